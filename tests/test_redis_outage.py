"""A Redis outage: the worker waits for Redis, and afterwards each delivery is ingested once."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from ecomapp import create_app
from ecomapp.extensions import db
from ecomapp.jobs.queue import redis_connection
from ecomapp.jobs.ticker import tick
from ecomapp.models import Event, InboxDelivery, JobRecord, PendingEvent, Run, Store
from tests import services
from tests.automation_support import deliver, make_automation
from tests.conftest import make_settings
from tests.factories import customer_record, make_store
from tests.processes import WorkerGroup, private_redis, real_clock, wait_until, worker_env

TAG_NEW = {
    "trigger": {"event": "customer.created"},
    "steps": [{"type": "action", "action": "tag_customer", "params": {"tags": ["new"]}}],
}


def _done(web: Flask) -> int:
    with web.app_context():
        statuses = db.session.scalars(select(InboxDelivery.status)).all()
        db.session.remove()
    return sum(1 for status in statuses if status == "done")


def _undispatched(web: Flask) -> int:
    with web.app_context():
        left = db.session.scalars(select(Event.id).where(Event.dispatched_at.is_(None))).all()
        db.session.remove()
    return len(left)


def _tick_a_minute_later(web: Flask) -> None:
    """Tick in this process as the ticker will 90 s from now (real time, from Redis)."""
    with web.app_context():
        seconds, micros = redis_connection(web).time()
        now = datetime.fromtimestamp(seconds + micros / 1e6, UTC) + timedelta(seconds=90)
        tick(now)
        db.session.remove()


def _event_states(web: Flask) -> list[object]:
    with web.app_context():
        rows = db.session.execute(
            select(Event.id, Event.type, Event.dispatched_at, Event.dispatch_touched_at)
        ).all()
        jobs = db.session.execute(select(JobRecord.job, JobRecord.args, JobRecord.status)).all()
        db.session.remove()
    return [*rows, *jobs]


def _pending(web: Flask) -> int:
    with web.app_context():
        left = db.session.scalar(select(func.count()).select_from(PendingEvent))
        db.session.remove()
    return int(left or 0)


def _tries_per_delivery(web: Flask) -> dict[int, int]:
    """Return how many times each delivery was claimed for ingestion (a drain or a retry)."""
    with web.app_context():
        rows = db.session.execute(select(InboxDelivery.id, InboxDelivery.attempts)).all()
        db.session.remove()
    return {row.id: row.attempts for row in rows}


def _deliver_customers(web: Flask, store_id: int, names: list[str]) -> None:
    from ecomapp.models import Store

    with web.app_context():
        store = db.session.get(Store, store_id)
        for name in names:
            rec = customer_record(platform_id=name, email=f"{name}@example.com")
            assert deliver(store, "customer", rec, external_id=name)
        db.session.remove()


@pytest.mark.real_services
def test_the_worker_waits_out_a_redis_outage_and_nothing_is_ingested_twice(
    app: Flask, tmp_path: Path
) -> None:
    """Given a worker on a private Redis, when Redis dies for ten seconds while deliveries keep
    arriving and comes back empty (queued dispatches lost), then the worker is still running,
    every delivery is ingested exactly once and every event dispatched exactly once."""
    if shutil.which("redis-server") is None:
        if services.IN_CI:
            pytest.fail("CI must provide redis-server")
        pytest.skip("redis-server is not installed")
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    prefix = f"ecomapp-outage-{services.RUN_ID}"
    with private_redis(tmp_path) as server, real_clock(server.url):
        web = create_app(
            make_settings(redis_url=server.url, queue_prefix=prefix, database_url=database_url),
            SQLALCHEMY_DATABASE_URI=database_url,
        )
        with web.app_context():
            store_id = make_store().id
            make_automation(db.session.get(Store, store_id), TAG_NEW)
            db.session.remove()
        worker = WorkerGroup(worker_env(database_url, server.url, prefix), tmp_path / "w.log")
        worker.start()
        try:
            _deliver_customers(web, store_id, [f"before-{i}" for i in range(5)])
            assert wait_until(lambda: _done(web) == 5, 60), (tmp_path / "w.log").read_text()
            server.stop()
            _deliver_customers(web, store_id, [f"during-{i}" for i in range(5)])
            time.sleep(10)  # the worker used to quit a few seconds into an outage
            assert worker.alive(), (tmp_path / "w.log").read_text()[-3000:]
            server.start()
            assert wait_until(lambda: _done(web) == 10, 60), (tmp_path / "w.log").read_text()
            _tick_a_minute_later(web)  # events whose queued dispatch or wake-up Redis lost
            assert wait_until(lambda: _undispatched(web) == 0, 30), _event_states(web)
            assert wait_until(lambda: _pending(web) == 0, 30), _event_states(web)
            time.sleep(3)  # a few more ticks: nothing may be queued again
        finally:
            worker.stop()
        log = (tmp_path / "w.log").read_text()
        assert "Redis unreachable" in log
        tries = _tries_per_delivery(web)
        assert len(tries) == 10 and set(tries.values()) == {1}, tries
        with web.app_context():  # the engine saw every sign-up once
            runs = Counter(db.session.scalars(select(Run.customer_id)).all())
            db.session.remove()
        assert len(runs) == 10 and set(runs.values()) == {1}, runs
        with web.app_context():
            redis_connection(web).close()
            db.engine.dispose()
