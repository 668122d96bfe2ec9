"""E-mail steps of an engine batch: rows recorded with the batch, one job renders and delivers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select
from time_machine import TimeMachineFixture

from ecomapp.automation.batch import process_store_events
from ecomapp.extensions import db
from ecomapp.jobs.ingest import ingest_delivery
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.queue import get_queue
from ecomapp.mail.subscribers import sweep_messages
from ecomapp.models import Event, InboxDelivery, JobRecord, Message, RunStep, utcnow
from tests.automation_support import count, deliver, effects, make_automation, messages
from tests.factories import customer_record, make_store, order_record

THANKS = {
    "trigger": {"event": "order.paid"},
    "steps": [
        {"type": "action", "action": "tag_customer", "params": {"tags": ["buyer"]}},
        {"type": "action", "action": "send_email", "params": {"template": "vip_welcome"}},
    ],
}

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a fixed instant of the controllable clock


def _orders(store: object, n: int) -> None:
    """Deliver n orders of one customer (one lane, so one batch on PostgreSQL too)."""
    customer = customer_record(platform_id="c-1", email="buyer@example.com")
    for i in range(n):
        deliver(store, "order", order_record(platform_id=f"o-{i}", customer=customer))


def _jobs(path: str) -> int:
    return count(JobRecord, JobRecord.job == path)


def test_a_batch_of_mail_steps_is_sent_once_through_one_rendering_job(
    run_jobs: Callable[[], None],
) -> None:
    """Given a thank-you automation, when three orders arrive in one batch (and the batch runs
    again), then three rendered mails are sent once each, recorded by one rendering job, and
    every e-mail step names its message."""
    store = make_store()
    make_automation(store, THANKS)
    _orders(store, 3)
    run_jobs()
    db.session.commit()
    assert process_store_events(store.id) == 0  # a repeated batch job finds nothing new
    run_jobs()
    sent = messages(store, "vip_welcome")
    assert [m.to_email for m in sent] == ["buyer@example.com"] * 3
    assert all(m.status == "sent" and m.subject and m.html for m in sent)
    assert _jobs("ecomapp.mail.api:prepare_messages") == 1
    assert _jobs("ecomapp.mail.delivery:deliver_batch") == 1
    steps = db.session.scalars(select(RunStep).where(RunStep.kind == "send_email")).all()
    assert sorted(s.detail["result"]["message_id"] for s in steps) == sorted(m.id for m in sent)
    assert effects(store) == 6  # a tag and a mail per run, each once


def test_lost_rendering_job_is_recovered_by_the_mail_sweeper(
    app: Flask, run_jobs: Callable[[], None], time_machine: TimeMachineFixture
) -> None:
    """Given a batch whose rendering job was lost (Redis flushed), when the mailer's sweeper
    runs later, then the recorded mail is rendered and sent once."""
    time_machine.move_to(utcnow(), tick=False)
    store = make_store()
    make_automation(store, THANKS)
    _orders(store, 1)
    for delivery_id in db.session.scalars(select(InboxDelivery.id)).all():
        ingest_delivery(delivery_id)
    db.session.commit()
    get_queue().empty()  # the engine's wake-up: the batch runs here instead
    process_store_events(store.id)
    db.session.commit()
    get_queue().empty()
    [message] = messages(store)
    assert message.status == "pending" and not message.html
    time_machine.move_to(utcnow() + timedelta(minutes=11), tick=False)
    assert sweep_messages() == 1
    drain(app)
    db.session.expire_all()
    sent = db.session.get(Message, message.id)
    assert sent.status == "sent" and sent.subject and sent.html
    assert sweep_messages() == 0 and len(messages(store)) == 1


def test_a_mail_already_recorded_under_a_steps_key_keeps_its_row(
    run_jobs: Callable[[], None], time_machine: TimeMachineFixture
) -> None:
    """Given a mail already sent under the key of one order's e-mail step, when the batch of two
    orders runs, then that row is kept as it was (not sent again) and named by its step, and
    the other order's mail is recorded and sent."""
    time_machine.move_to(NOON, tick=False)
    store = make_store()
    automation = make_automation(store, THANKS)
    _orders(store, 2)
    for delivery_id in db.session.scalars(select(InboxDelivery.id)).all():
        ingest_delivery(delivery_id)
    db.session.commit()
    get_queue().empty()
    first = min(db.session.scalars(select(Event.id).where(Event.type == "order.paid")).all())
    earlier = Message(
        store_id=store.id, idempotency_key=f"auto:{automation.id}:v1:e{first}:s1",
        template_key="vip_welcome", to_email="buyer@example.com", subject="Earlier",
        status="sent", sent_at=NOON,
    )  # fmt: skip
    db.session.add(earlier)
    db.session.commit()
    process_store_events(store.id)
    run_jobs()
    db.session.expire_all()
    rows = messages(store, "vip_welcome")
    assert (rows[0].id, rows[0].subject) == (earlier.id, "Earlier")
    assert len(rows) == 2 and rows[1].status == "sent" and rows[1].subject != "Earlier"
    steps = db.session.scalars(select(RunStep).where(RunStep.kind == "send_email")).all()
    assert sorted(s.detail["result"]["message_id"] for s in steps) == [m.id for m in rows]
