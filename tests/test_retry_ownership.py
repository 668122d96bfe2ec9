"""One retry owner per layer: the job layer retries, the sweeper only rescues lost jobs, capped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.jobs import get_queue
from ecomapp.jobs.inbox_drain import DRAIN, claim_next
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.retry import MAX_ATTEMPTS, MAX_RESCUES
from ecomapp.jobs.ticker import tick
from ecomapp.models import InboxDelivery, JobRecord, utcnow
from ecomapp.registries import registries
from ecomapp.webhooks.inbox import record_delivery
from tests.factories import make_store

INGEST = "ecomapp.jobs.ingest:ingest_delivery"
AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a fixed instant of the controllable clock


@pytest.fixture
def down_platform(app: Flask, monkeypatch: pytest.MonkeyPatch) -> str:
    """Register the platform stand-in whose API answers 503 forever; return its name."""
    monkeypatch.setitem(registries(app).adapters, "down", "tests.fakes.flaky_platform:DownAdapter")
    return "down"


def _ingest_runs() -> list[str]:
    stmt = select(JobRecord.status).where(JobRecord.job == INGEST).order_by(JobRecord.id)
    return list(db.session.scalars(stmt))


def _queued_drains() -> int:
    return sum(1 for job in get_queue("ingest").get_jobs() if job.args[0] == DRAIN)


def test_a_transiently_failing_delivery_is_retried_by_its_job_only(
    app: Flask, client: FlaskClient, down_platform: str
) -> None:
    """Given a delivery whose platform answers 503 forever, when ticks run every minute for a
    quarter of an hour and a day passes, then its job ran MAX_ATTEMPTS times (the sweeper added
    none), and the delivery and the Jobs page show it failed, with the error."""
    store = make_store(platform="demo")
    record_delivery(down_platform, "d-1", "customer", b"{}", store_id=store.id)
    drain(app)
    start = utcnow()
    for minute in [*range(1, 16), 24 * 60]:
        tick(start + timedelta(minutes=minute))
        drain(app)
    db.session.expire_all()
    assert _ingest_runs() == ["retrying"] * (MAX_ATTEMPTS - 1) + ["failed"]
    delivery = db.session.scalar(select(InboxDelivery))
    assert delivery.status == "failed" and delivery.attempts == MAX_ATTEMPTS
    assert delivery.rescues == 0 and "HTTP 503" in (delivery.error or "")
    page = client.get("/jobs?status=failed").get_data(as_text=True)
    assert "HTTP 503 Service Unavailable" in page


def _lose_redis() -> None:
    """Empty the queue and the drain's flag, as a Redis restart without persistence does."""
    get_queue("ingest").empty()
    get_queue().connection.flushdb()


def test_a_delivery_whose_drain_was_lost_is_drained_once(
    app: Flask, time_machine: TimeMachineFixture
) -> None:
    """Given a recorded delivery whose queued drain Redis lost, when the ticker runs every few
    seconds for five minutes, then the sweeper queued one drain, and the delivery is processed
    once."""
    time_machine.move_to(AT, tick=False)
    store = make_store(platform="demo")
    record_delivery("demo", "lost-1", "customer", b'{"platform_id": "9"}', store_id=store.id)
    _lose_redis()
    start = AT
    for seconds in range(0, 300, 5):
        tick(start + timedelta(seconds=seconds))
    assert _queued_drains() == 1
    drain(app)
    db.session.expire_all()
    delivery = db.session.scalar(select(InboxDelivery))
    assert (delivery.status, delivery.attempts, delivery.rescues) == ("done", 1, 0)


def test_a_delivery_waiting_in_the_queue_is_not_rescued(
    app: Flask, time_machine: TimeMachineFixture
) -> None:
    """Given a delivery whose drain waits behind a backlog for ten minutes, then the sweeper
    queues no other drain and rescues nothing."""
    time_machine.move_to(AT, tick=False)
    store = make_store(platform="demo")
    record_delivery("demo", "slow-1", "customer", b'{"platform_id": "9"}', store_id=store.id)
    start = AT
    for minute in range(1, 11):
        tick(start + timedelta(minutes=minute))
    assert _queued_drains() == 1
    assert db.session.scalar(select(InboxDelivery.rescues)) == 0


def test_a_delivery_left_processing_by_a_killed_drain_is_rescued(
    app: Flask, time_machine: TimeMachineFixture
) -> None:
    """Given a delivery claimed by a drain that was killed, when a quarter of an hour passes,
    then the sweeper receives it again and a drain processes it."""
    time_machine.move_to(AT, tick=False)
    store = make_store(platform="demo")
    record_delivery("demo", "killed-1", "customer", b'{"platform_id": "9"}', store_id=store.id)
    _lose_redis()
    assert claim_next() is not None  # the drain that claimed it died here
    start = AT
    tick(start + timedelta(minutes=5))
    assert db.session.scalar(select(InboxDelivery.status)) == "processing"
    tick(start + timedelta(minutes=16))
    assert _queued_drains() == 1
    drain(app)
    db.session.expire_all()
    delivery = db.session.scalar(select(InboxDelivery))
    assert (delivery.status, delivery.attempts, delivery.rescues) == ("done", 2, 1)


def test_rescues_are_capped(app: Flask, time_machine: TimeMachineFixture) -> None:
    """Given a delivery whose drain is killed on it again and again, then after MAX_RESCUES
    rescues it is failed, saying it was stranded, and nothing more is queued."""
    time_machine.move_to(AT, tick=False)
    store = make_store(platform="demo")
    record_delivery("demo", "cursed-1", "customer", b'{"platform_id": "9"}', store_id=store.id)
    start = AT
    for hour in range(1, MAX_RESCUES + 4):
        _lose_redis()
        claim_next()  # claimed, then the drain dies on it
        tick(start + timedelta(hours=hour))
    _lose_redis()
    tick(start + timedelta(hours=MAX_RESCUES + 5))
    assert _queued_drains() == 0
    db.session.expire_all()
    delivery = db.session.scalar(select(InboxDelivery))
    assert delivery.status == "failed" and delivery.rescues == MAX_RESCUES
    assert "stranded" in (delivery.error or "")
    assert db.session.scalar(select(func.count()).select_from(JobRecord)) == 0


def test_a_failed_delivery_retried_from_the_jobs_page_gets_new_tries(
    app: Flask, client: FlaskClient, down_platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a delivery failed after MAX_ATTEMPTS, when the platform is back and the merchant
    presses Retry on the Jobs page, then the delivery is processed."""
    store = make_store(platform="demo")
    record_delivery(down_platform, "d-2", "customer", b'{"platform_id": "5"}', store_id=store.id)
    start = utcnow()
    for minute in [0, *range(1, 16, 2)]:
        tick(start + timedelta(minutes=minute))
        drain(app)
    monkeypatch.setitem(registries(app).adapters, "down", "ecomapp.platforms.demo:DemoAdapter")
    monkeypatch.setattr(registries(app), "adapter_instances", {})
    failed = db.session.scalar(select(JobRecord.id).where(JobRecord.status == "failed"))
    token = client.get("/").get_data(as_text=True).split('"X-CSRF-Token": "')[1].split('"')[0]
    assert client.post(f"/jobs/{failed}/retry", headers={"X-CSRF-Token": token}).status_code == 200
    drain(app)
    db.session.expire_all()
    assert db.session.scalar(select(InboxDelivery.status)) == "done"
