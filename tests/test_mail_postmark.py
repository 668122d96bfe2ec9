"""The Postmark API backend (via requests, intercepted by `responses`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import requests
import responses
from flask import Flask
from responses import matchers
from sqlalchemy import select, update

from ecomapp.extensions import db
from ecomapp.mail.delivery import deliver_batch
from ecomapp.models import DueWork, Message, Suppression, utcnow
from tests.factories import make_store
from tests.mail_support import configure_mail, make_customer, queue_mail

SEND = "https://api.postmarkapp.com/email"
SEARCH = "https://api.postmarkapp.com/messages/outbound"
TOKEN = "server-token-123"


def _postmark_store():  # type: ignore[no-untyped-def]
    store = make_store(name="Trail Co")
    configure_mail(store, backend="postmark", api_token=TOKEN, from_address="hi@trail.test")
    return store


@responses.activate
def test_message_is_posted_with_headers_and_both_parts(run_jobs: Callable[[], None]) -> None:
    """Given a Postmark store, then the API gets token, both parts and the unsubscribe pair."""
    responses.post(SEND, json={"ErrorCode": 0, "Message": "OK", "MessageID": "pm-1"})
    store = _postmark_store()
    customer = make_customer(store, first_name="Ann")
    message = queue_mail(store, customer)
    run_jobs()
    assert len(responses.calls) == 1
    call = responses.calls[0].request
    body = json.loads(call.body)
    assert call.headers["X-Postmark-Server-Token"] == TOKEN
    assert body["To"] == customer.email and body["From"] == "hi@trail.test"
    assert "Hi Ann" in body["HtmlBody"] and "Hi Ann" in body["TextBody"]
    headers = {h["Name"]: h["Value"] for h in body["Headers"]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/m/u/")
    row = db.session.get(Message, message.id)
    assert row.status == "sent" and row.provider_id == "pm-1" and row.backend == "postmark"


@responses.activate
def test_inactive_recipient_is_recorded_as_bounce(run_jobs: Callable[[], None]) -> None:
    """Given Postmark answers 422/406 (inactive recipient), then fail once and suppress."""
    responses.post(SEND, status=422, json={"ErrorCode": 406, "Message": "inactive"})
    store = _postmark_store()
    customer = make_customer(store)
    message = queue_mail(store, customer, kind="transactional")
    run_jobs()
    row = db.session.get(Message, message.id)
    assert row.status == "failed" and "inactive" in row.error
    assert db.session.scalar(select(Suppression.reason)) == "hard_bounce"
    assert len(responses.calls) == 1


@responses.activate
def test_bad_token_is_a_permanent_failure_shown_to_the_merchant(
    run_jobs: Callable[[], None],
) -> None:
    """Given Postmark answers 401, then the message fails with the reason and is not retried."""
    responses.post(SEND, status=401, json={"ErrorCode": 10, "Message": "Bad or missing token"})
    store = _postmark_store()
    message = queue_mail(store, make_customer(store), kind="transactional")
    run_jobs()
    row = db.session.get(Message, message.id)
    assert row.status == "failed" and "Bad or missing token" in row.error
    assert db.session.scalar(select(DueWork.id).where(DueWork.job.like("%deliver%"))) is None


@responses.activate
def test_server_error_is_retried_with_backoff_then_sent(run_jobs: Callable[[], None]) -> None:
    """Given a 503 then a 200, then the retry (after its backoff) sends exactly once."""
    responses.post(SEND, status=503, json={"ErrorCode": 100, "Message": "Maintenance"})
    responses.post(SEND, json={"ErrorCode": 0, "MessageID": "pm-2"})
    store = _postmark_store()
    message = queue_mail(store, make_customer(store), kind="transactional")
    run_jobs()
    assert db.session.get(Message, message.id).status == "pending"
    due = db.session.scalar(select(DueWork).where(DueWork.job.like("%deliver_message")))
    assert due.due_at > utcnow() + timedelta(seconds=5)
    db.session.execute(update(DueWork).values(due_at=utcnow() - timedelta(seconds=1)))
    run_jobs()
    assert db.session.get(Message, message.id).status == "sent"
    assert len(responses.calls) == 2


def _interrupted_send(run_jobs: Callable[[], None], found: int) -> Message:
    responses.post(SEND, body=requests.ConnectionError("connection reset by peer"))
    responses.get(
        SEARCH,
        json={"TotalCount": found, "Messages": []},
        match=[matchers.query_param_matcher({"count": "1", "offset": "0"}, strict_match=False)],
    )
    responses.post(SEND, json={"ErrorCode": 0, "MessageID": "pm-3"})
    store = _postmark_store()
    message = queue_mail(store, make_customer(store), kind="transactional")
    run_jobs()
    assert db.session.get(Message, message.id).status == "sending"
    past = utcnow() - timedelta(minutes=5)
    db.session.execute(update(Message).values(sending_at=past))
    db.session.execute(update(DueWork).values(due_at=past))
    run_jobs()
    return db.session.get(Message, message.id)


@responses.activate
def test_interrupted_send_found_at_postmark_is_not_resent(run_jobs: Callable[[], None]) -> None:
    """Given a broken connection mid-request and Postmark has the mail, then no second POST."""
    row = _interrupted_send(run_jobs, found=1)
    assert row.status == "sent" and "confirmed by the provider" in row.error
    sends = [c for c in responses.calls if c.request.method == "POST"]
    assert len(sends) == 1
    search = next(c for c in responses.calls if c.request.method == "GET").request
    assert row.message_id_header in requests.utils.unquote(search.url)


@responses.activate
def test_interrupted_send_unknown_to_postmark_is_sent_again(run_jobs: Callable[[], None]) -> None:
    """Given a broken connection and Postmark never got it, then it is sent once more."""
    row = _interrupted_send(run_jobs, found=0)
    assert row.status == "sent" and row.provider_id == "pm-3"
    sends = [c for c in responses.calls if c.request.method == "POST"]
    assert len(sends) == 2


@responses.activate
def test_a_batch_records_each_messages_own_postmark_id(app: Flask) -> None:
    """Given three mails delivered as one batch, then each row keeps its own Postmark id."""
    for n in (1, 2, 3):
        responses.post(SEND, json={"ErrorCode": 0, "Message": "OK", "MessageID": f"pm-{n}"})
    store = _postmark_store()
    messages = [queue_mail(store, make_customer(store)) for _ in range(3)]
    deliver_batch([m.id for m in messages])
    rows = [db.session.get(Message, m.id) for m in messages]
    assert [(r.status, r.provider_id) for r in rows] == [
        ("sent", "pm-1"),
        ("sent", "pm-2"),
        ("sent", "pm-3"),
    ]
