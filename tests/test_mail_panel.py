"""The panel's Email pages: settings with encrypted secrets, template editing, preview, test."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text

from ecomapp.extensions import db
from ecomapp.mail.defaults import DEFAULT_TEMPLATES
from ecomapp.models import MailSettings, MailTemplate, Message
from tests.factories import make_product, make_store
from tests.mail_support import csrf_headers, make_customer, queue_mail

SETTINGS_FORM = {
    "backend": "smtp",
    "smtp_url": "smtp+starttls://shop:hunter2@smtp.example.com:587",
    "api_token": "",
    "from_address": "Trail <hi@trail.test>",
    "brand_color": "#123abc",
    "logo_url": "https://cdn.trail.test/logo.png",
    "postal_address": "1 Pine St, Portland OR",
    "frequency_cap_hours": "24",
    "quiet_start_hour": "22",
    "quiet_end_hour": "7",
    "attribution_days": "7",
}


def test_settings_are_saved_with_the_smtp_password_encrypted(client: FlaskClient) -> None:
    """Given the settings form, then values are saved and the SMTP URL is unreadable at rest."""
    store = make_store()
    response = client.post("/email/settings", data=SETTINGS_FORM, headers=csrf_headers(client))
    assert response.status_code == 200 and b'data-testid="saved"' in response.data
    row = db.session.scalar(select(MailSettings).where(MailSettings.store_id == store.id))
    assert row.backend == "smtp" and row.smtp_url == SETTINGS_FORM["smtp_url"]
    raw = db.session.execute(text("SELECT smtp_url_enc FROM mail_settings")).scalar_one()
    assert "hunter2" not in raw and "smtp.example.com" not in raw
    assert (row.quiet_start_hour, row.quiet_end_hour, row.attribution_days) == (22, 7, 7)
    page = client.get("/email/settings").get_data(as_text=True)
    assert "hunter2" not in page and "saved (enter a new one" in page


def test_invalid_settings_are_refused_naming_the_field(client: FlaskClient) -> None:
    """Given a bad colour and a bad SMTP URL, then nothing is saved and both fields are named."""
    make_store()
    form = SETTINGS_FORM | {"brand_color": "red;}</style>", "smtp_url": "http://nope"}
    response = client.post("/email/settings", data=form, headers=csrf_headers(client))
    body = response.get_data(as_text=True)
    assert "brand_color must be a hex colour" in body and "smtp_url SMTP URL must look like" in body
    assert db.session.scalar(select(MailSettings)) is None


def test_settings_post_without_csrf_is_refused(client: FlaskClient) -> None:
    """Given a cross-site form post without the CSRF token, then 403 and nothing saved."""
    make_store()
    assert client.post("/email/settings", data=SETTINGS_FORM).status_code == 403
    assert db.session.scalar(select(MailSettings)) is None


def test_preview_renders_the_draft_with_sample_data(client: FlaskClient) -> None:
    """Given a draft template, then the preview shows it with sample data inside the layout."""
    make_store(name="Trail Co")
    form = {
        "subject": "Hi {{ customer.first_name }}",
        "html": "<p>{{ order.name }}</p>",
        "text": "",
    }
    response = client.post(
        "/email/templates/welcome/preview", data=form, headers=csrf_headers(client)
    )
    body = response.get_data(as_text=True)
    assert 'data-testid="preview-subject">Hi Alex<' in body
    assert "#1001" in body and "Trail Co" in body and "Unsubscribe" in body


def test_preview_shows_a_refused_escape(client: FlaskClient) -> None:
    """Given a draft reaching for internals, then the preview shows the refusal."""
    make_store()
    form = {"subject": "x", "html": "{{ ''.__class__ }}", "text": ""}
    response = client.post(
        "/email/templates/welcome/preview", data=form, headers=csrf_headers(client)
    )
    assert b"not allowed in a template" in response.data


def test_template_with_a_syntax_error_is_not_saved(client: FlaskClient) -> None:
    """Given an unclosed tag, then the save is refused naming the part and line."""
    make_store()
    form = {"subject": "ok", "html": "<p>\n{% if customer %}</p>", "text": ""}
    response = client.post("/email/templates/welcome", data=form, headers=csrf_headers(client))
    assert b"HTML: line 2" in response.data
    assert db.session.scalar(select(MailTemplate)) is None


def test_saved_template_is_used_and_send_test_reaches_the_outbox(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an edited template, when 'send test' is pressed, then the outbox shows that mail."""
    make_store()
    headers = csrf_headers(client)
    form = {"subject": "Hello {{ customer.first_name }}!", "html": "<p>Edited body</p>", "text": ""}
    assert client.post("/email/templates/welcome", data=form, headers=headers).status_code == 302
    response = client.post(
        "/email/templates/welcome/test", data={"to": "me@trail.test"}, headers=headers
    )
    assert b"Test #" in response.data
    run_jobs()
    message = db.session.scalar(select(Message))
    assert message.status == "sent" and message.backend == "outbox"
    assert message.subject == "Hello Alex!" and "Edited body" in message.html
    outbox = client.get("/email/messages").get_data(as_text=True)
    assert "me@trail.test" in outbox and "Hello Alex!" in outbox
    detail = client.get(f"/email/messages/{message.id}").get_data(as_text=True)
    assert 'sandbox=""' in detail and "Edited body" in detail


def test_another_stores_message_is_not_shown(client: FlaskClient) -> None:
    """Given a message of another store, then its page answers 404."""
    make_store()
    other = make_store(platform="woocommerce")
    message = queue_mail(other, make_customer(other), kind="transactional")
    assert client.get(f"/email/messages/{message.id}").status_code == 404
    assert message.to_email not in client.get("/email/messages").get_data(as_text=True)


def test_email_is_in_the_navigation(client: FlaskClient) -> None:
    """Given the panel, then 'Email' is in the navigation and its pages answer."""
    make_store()
    page = client.get("/").get_data(as_text=True)
    assert 'href="/email/"' in page
    for path in ("/email/", "/email/messages", "/email/templates", "/email/suppressions"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("key", sorted(DEFAULT_TEMPLATES))
def test_every_default_template_renders_with_sample_data(client: FlaskClient, key: str) -> None:
    """Given each built-in template, then its preview renders without an error."""
    make_product(make_store(name="Trail Co"))
    page = client.get(f"/email/templates/{key}").get_data(as_text=True)
    assert 'data-testid="preview-subject"' in page and "preview-error" not in page
