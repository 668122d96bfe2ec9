"""Postmark's bounce and spam-complaint webhooks feed the suppression list."""

from __future__ import annotations

from collections.abc import Callable

import responses
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail.provider_hooks import hook_url
from ecomapp.models import Message, Suppression
from tests.factories import make_store
from tests.mail_support import configure_mail, make_customer, queue_mail


def _path(store) -> str:  # type: ignore[no-untyped-def]
    return hook_url(store).removeprefix("http://127.0.0.1:5000")


@responses.activate
def test_hard_bounce_webhook_suppresses_and_marks_the_message(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a Postmark HardBounce for a sent message, then it is bounced and suppressed."""
    responses.post("https://api.postmarkapp.com/email", json={"ErrorCode": 0, "MessageID": "pm-9"})
    store = make_store()
    configure_mail(store, backend="postmark", api_token="t")
    customer = make_customer(store)
    message = queue_mail(store, customer, kind="transactional")
    run_jobs()
    payload = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "MessageID": "pm-9",
        "Email": customer.email.upper(),
        "Description": "mailbox not found",
    }
    for _ in range(2):
        assert client.post(_path(store), json=payload).json["status"] == "recorded"
    rows = db.session.scalars(select(Suppression)).all()
    assert [(r.email, r.reason, r.message_id) for r in rows] == [
        (customer.email, "hard_bounce", message.id)
    ]
    assert db.session.get(Message, message.id).bounced_at is not None
    page = client.get("/email/").get_data(as_text=True)
    assert 'data-col="delivered">0<' in page


def test_spam_complaint_stops_all_mail(client: FlaskClient, run_jobs: Callable[[], None]) -> None:
    """Given a spam complaint, then even transactional mail to that address is suppressed."""
    store = make_store()
    customer = make_customer(store)
    payload = {"RecordType": "SpamComplaint", "Email": customer.email, "MessageID": "x"}
    assert client.post(_path(store), json=payload).json["reason"] == "complaint"
    later = queue_mail(store, customer, kind="transactional")
    assert later.status == "suppressed" and "complaint" in later.error


def test_soft_bounce_is_acknowledged_and_ignored(client: FlaskClient) -> None:
    """Given a transient bounce, then 200 and no suppression."""
    store = make_store()
    payload = {"RecordType": "Bounce", "Type": "Transient", "Email": "a@example.com"}
    assert client.post(_path(store), json=payload).json["status"] == "ignored"
    assert db.session.scalar(select(Suppression)) is None


def test_forged_hook_url_or_bad_body_is_refused(client: FlaskClient) -> None:
    """Given an unsigned store id or a body without Email, then 404/400 and nothing stored."""
    store = make_store()
    payload = {"RecordType": "SpamComplaint", "Email": "a@example.com"}
    assert client.post(f"/m/hooks/postmark/{store.id}", json=payload).status_code == 404
    assert client.post(_path(store), data="not json").status_code == 400
    assert db.session.scalar(select(Suppression)) is None
