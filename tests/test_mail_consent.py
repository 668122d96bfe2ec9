"""Consent: one-click unsubscribe by POST only, suppression, consent pushed to the platform."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.events import emit
from ecomapp.extensions import db
from ecomapp.mail import refusal_reason
from ecomapp.mail.signing import UNSUBSCRIBE, sign
from ecomapp.models import (
    Customer,
    JobRecord,
    Message,
    Store,
    Suppression,
    TrackingEvent,
    utcnow,
)
from tests.factories import make_store
from tests.mail_support import configure_mail, make_customer, queue_mail


def _unsubscribe_path(message: Message) -> str:
    """Return the unsubscribe link's path as it appears in the sent HTML."""
    found = re.search(r'href="http://127\.0\.0\.1:5000(/m/u/[^"]+)"', message.html)
    assert found is not None
    return found.group(1)


def _sent_marketing(run_jobs: Callable[[], None]) -> tuple[Message, Customer]:
    store = make_store()
    configure_mail(store)
    customer = make_customer(store)
    message = queue_mail(store, customer)
    run_jobs()
    return db.session.get(Message, message.id), customer


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_one_click_post_unsubscribes_without_login_or_csrf(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an RFC 8058 POST from a mail client, then the customer is out and the platform told."""
    message, customer = _sent_marketing(run_jobs)
    assert _unsubscribe_path(message) == "/m/u/" + sign(UNSUBSCRIBE, message.id)
    response = client.post(
        _unsubscribe_path(message),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200 and b"You are unsubscribed" in response.data
    run_jobs()
    row = db.session.scalar(select(Suppression))
    assert row.email == customer.email and row.reason == "unsubscribe"
    assert db.session.get(Customer, customer.id).accepts_marketing is False
    push = db.session.scalar(select(JobRecord).where(JobRecord.job.like("%push_consent")))
    assert push.status == "succeeded" and push.args == [customer.id, False]


def test_get_never_unsubscribes(client: FlaskClient, run_jobs: Callable[[], None]) -> None:
    """Given a link scanner fetching the URL, then nothing changes; a confirm button is shown."""
    message, customer = _sent_marketing(run_jobs)
    response = client.get(_unsubscribe_path(message))
    assert response.status_code == 200 and b'method="post"' in response.data
    assert _count(Suppression) == 0
    assert db.session.get(Customer, customer.id).accepts_marketing is True


def test_unsubscribe_is_idempotent(client: FlaskClient, run_jobs: Callable[[], None]) -> None:
    """Given the same POST twice, then one suppression, one event, one platform push."""
    message, _ = _sent_marketing(run_jobs)
    for _ in range(2):
        assert client.post(_unsubscribe_path(message)).status_code == 200
    run_jobs()
    assert _count(Suppression) == 1
    assert _count(TrackingEvent) == 1
    pushes = select(func.count()).where(JobRecord.job.like("%push_consent"))
    assert db.session.scalar(pushes) == 1


def test_forged_or_altered_unsubscribe_token_is_refused(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a token for another message id or a tampered one, then 404 and nothing changes."""
    message, _ = _sent_marketing(run_jobs)
    path = _unsubscribe_path(message)
    # the second-last character: the last one's low bits are base64 padding a lenient decoder
    # ignores ("…A" and "…B" can carry the same MAC), so tampering it passed 1 run in 16
    tampered = path[:-2] + ("A" if path[-2] != "A" else "B") + path[-1]
    assert client.post(tampered).status_code == 404
    assert client.post(f"/m/u/{message.id}").status_code == 404
    assert _count(Suppression) == 0


def test_unsubscribed_address_gets_transactional_but_no_marketing(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an unsubscribe, then later marketing is suppressed and an order update still goes."""
    message, customer = _sent_marketing(run_jobs)
    client.post(_unsubscribe_path(message))
    run_jobs()
    customer = db.session.get(Customer, customer.id)
    customer.accepts_marketing = True  # even if consent flips back by mistake …
    db.session.commit()
    shop = db.session.get(Store, customer.store_id)
    marketing = queue_mail(shop, customer)
    receipt = queue_mail(shop, customer, kind="transactional", template_key="thank_you")
    run_jobs()
    assert marketing.status == "suppressed" and "unsubscribed" in marketing.error
    assert db.session.get(Message, receipt.id).status == "sent"


def test_marketing_without_consent_is_not_sent(run_jobs: Callable[[], None]) -> None:
    """Given a customer who never opted in, then marketing is recorded as suppressed."""
    store = make_store()
    customer = make_customer(store, consent=False)
    message = queue_mail(store, customer)
    run_jobs()
    row = db.session.get(Message, message.id)
    assert row.status == "suppressed" and row.error == "no marketing consent"


def test_consent_revoked_after_queueing_is_checked_at_send(run_jobs: Callable[[], None]) -> None:
    """Given consent withdrawn between queueing and delivery, then the delivery is suppressed."""
    store = make_store()
    customer = make_customer(store)
    message = queue_mail(store, customer)
    customer.accepts_marketing = False
    db.session.commit()
    run_jobs()
    assert db.session.get(Message, message.id).status == "suppressed"


def test_newer_opt_in_from_the_platform_lifts_the_unsubscribe(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an unsubscribe then a later opt-in event, then marketing may go again."""
    message, customer = _sent_marketing(run_jobs)
    client.post(_unsubscribe_path(message))
    run_jobs()
    data = {"email": customer.email, "accepts_marketing": True}
    emit(
        message.store_id, "customer.consent_changed", "customer", customer.id, data, "c:1", utcnow()
    )
    db.session.commit()
    run_jobs()
    assert _count(Suppression) == 0


def test_stale_opt_in_event_does_not_lift_the_unsubscribe(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an opt-in event older than the unsubscribe, then the suppression stays."""
    message, customer = _sent_marketing(run_jobs)
    before = utcnow()
    client.post(_unsubscribe_path(message))
    run_jobs()
    data = {"email": customer.email, "accepts_marketing": True}
    emit(message.store_id, "customer.consent_changed", "customer", customer.id, data, "c:2", before)
    db.session.commit()
    run_jobs()
    assert _count(Suppression) == 1


def test_refusal_reason_answers_for_exit_conditions(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an unsubscribed customer, then refusal_reason says so for marketing only."""
    message, customer = _sent_marketing(run_jobs)
    store = db.session.get(Store, message.store_id)
    assert refusal_reason(store, customer.email, "marketing", customer.id) is None
    client.post(_unsubscribe_path(message))
    assert refusal_reason(store, customer.email, "marketing", customer.id) == (
        "unsubscribed from marketing"
    )
    assert refusal_reason(store, customer.email, "transactional", customer.id) is None
