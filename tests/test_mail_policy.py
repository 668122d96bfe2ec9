"""Sending rules: frequency cap and quiet hours delay marketing (never drop it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select, update
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.jobs.runner import run_job
from ecomapp.mail.policy import frequency_cap_until, quiet_hours_end
from ecomapp.models import DueWork, Message, Store, utcnow
from tests.factories import make_store
from tests.mail_support import configure_mail, make_customer, queue_mail

EVENING = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # a fixed instant: 19:30 in New York


def _due_rows() -> list[DueWork]:
    return list(db.session.scalars(select(DueWork).where(DueWork.job.like("%deliver_message"))))


def test_second_marketing_mail_within_cap_waits_until_cap_ends(
    run_jobs: Callable[[], None],
) -> None:
    """Given a marketing mail just sent, then the next one is delayed 16 hours, then sent."""
    store = make_store()
    configure_mail(store, frequency_cap_hours=16)
    customer = make_customer(store)
    first = queue_mail(store, customer)
    run_jobs()
    second = queue_mail(store, customer, template_key="winback")
    run_jobs()
    first, second = db.session.get(Message, first.id), db.session.get(Message, second.id)
    assert first.status == "sent" and second.status == "pending"
    assert second.scheduled_for == first.sent_at + timedelta(hours=16)
    assert "frequency cap" in second.delay_reason
    [due] = _due_rows()
    assert due.due_at == second.scheduled_for
    db.session.execute(
        update(Message).where(Message.id == first.id).values(sent_at=utcnow() - timedelta(hours=17))
    )
    db.session.execute(update(DueWork).values(due_at=utcnow() - timedelta(seconds=1)))
    run_jobs()
    assert db.session.get(Message, second.id).status == "sent"


def test_cap_does_not_hold_back_transactional_mail(run_jobs: Callable[[], None]) -> None:
    """Given a marketing mail just sent, then an order confirmation still goes at once."""
    store = make_store()
    configure_mail(store, frequency_cap_hours=16)
    customer = make_customer(store)
    queue_mail(store, customer)
    receipt = queue_mail(store, customer, kind="transactional", template_key="thank_you")
    run_jobs()
    assert db.session.get(Message, receipt.id).status == "sent"


def test_marketing_during_quiet_hours_is_delayed_to_their_end(
    run_jobs: Callable[[], None], time_machine: TimeMachineFixture
) -> None:
    """Given quiet hours covering now in the store's zone, then marketing waits for their end."""
    zone = ZoneInfo("America/New_York")
    time_machine.move_to(EVENING, tick=False)
    hour = EVENING.astimezone(zone).hour
    store = make_store(timezone="America/New_York")
    configure_mail(store, quiet_start_hour=hour, quiet_end_hour=(hour + 2) % 24)
    message = queue_mail(store, make_customer(store))
    run_jobs()
    row = db.session.get(Message, message.id)
    local = row.scheduled_for.astimezone(zone)
    assert row.status == "pending" and "quiet hours" in row.delay_reason
    assert local.hour == (hour + 2) % 24 and local.minute == 0
    assert row.scheduled_for - utcnow() <= timedelta(hours=2)
    assert _due_rows()[0].due_at == row.scheduled_for


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 3, 10, 22, 30), datetime(2026, 3, 11, 8, 0)),
        (datetime(2026, 3, 10, 3, 0), datetime(2026, 3, 10, 8, 0)),
        (datetime(2026, 3, 10, 12, 0), datetime(2026, 3, 10, 12, 0)),
        (datetime(2026, 3, 7, 23, 0), datetime(2026, 3, 8, 8, 0)),  # across the DST switch
    ],
)
def test_quiet_hours_end_in_store_time(local: datetime, expected: datetime) -> None:
    """Given quiet hours 21-8 in New York, then a time inside them moves to 8:00 local."""
    zone = ZoneInfo("America/New_York")
    store = Store(platform="demo", domain="x.test", timezone="America/New_York")
    at = local.replace(tzinfo=zone).astimezone(UTC)
    result = quiet_hours_end(store, at, 21, 8)
    assert result.astimezone(zone).replace(tzinfo=None) == expected


def test_of_two_marketing_mails_claimed_at_once_only_the_first_claimed_goes(app: Flask) -> None:
    """Given two mails to one customer both claimed, then the later claim waits for the cap."""
    store = make_store()
    configure_mail(store, frequency_cap_hours=16)
    customer = make_customer(store)
    first, second = queue_mail(store, customer), queue_mail(store, customer)
    now = utcnow()
    for message, at in ((first, now), (second, now + timedelta(milliseconds=5))):
        message.status, message.sending_at = "sending", at
    db.session.commit()
    assert frequency_cap_until(store, first, 16) is None
    assert frequency_cap_until(store, second, 16) == now + timedelta(hours=16)
    second.sending_at = now  # same instant: the lower id wins
    db.session.commit()
    assert frequency_cap_until(store, first, 16) is None
    assert frequency_cap_until(store, second, 16) is not None


def test_two_marketing_mails_to_one_customer_in_one_batch_send_one(app: Flask) -> None:
    """Given two marketing mails to one customer delivered in one batch, then the first goes
    and the second waits for the cap (one mail arrives)."""
    store = make_store()
    configure_mail(store, frequency_cap_hours=16)
    customer = make_customer(store)
    first, second = queue_mail(store, customer), queue_mail(store, customer)
    run_job("ecomapp.mail.delivery:deliver_batch", [[first.id, second.id]], store.id)
    db.session.expire_all()
    first, second = db.session.get(Message, first.id), db.session.get(Message, second.id)
    assert (first.status, second.status) == ("sent", "pending")
    assert second.scheduled_for == first.sending_at + timedelta(hours=16)
    assert "frequency cap" in second.delay_reason and second.attempts == 0
    assert [d.due_at for d in _due_rows()] == [second.scheduled_for]


def test_a_batch_in_quiet_hours_waits_as_one_job(
    app: Flask, time_machine: TimeMachineFixture
) -> None:
    """Given a batch of marketing mails during quiet hours, then they wait for their end and
    one job delivers them then (not one job per mail)."""
    zone = ZoneInfo("America/New_York")
    time_machine.move_to(EVENING, tick=False)
    hour = EVENING.astimezone(zone).hour
    store = make_store(timezone="America/New_York")
    configure_mail(store, quiet_start_hour=hour, quiet_end_hour=(hour + 2) % 24)
    ids = [queue_mail(store, make_customer(store)).id for _ in range(3)]
    run_job("ecomapp.mail.delivery:deliver_batch", [ids], store.id)
    db.session.expire_all()
    rows = [db.session.get(Message, i) for i in ids]
    assert {r.status for r in rows} == {"pending"} and len({r.scheduled_for for r in rows}) == 1
    [due] = db.session.scalars(select(DueWork).where(DueWork.job.like("%deliver_batch"))).all()
    assert due.args == [ids] and due.due_at == rows[0].scheduled_for
