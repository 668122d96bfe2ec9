"""Workers killed with SIGKILL again and again: every delivery processed, no mail lost or doubled.

Real worker processes (each with its ticker process and a forked work-horse per job) on
PostgreSQL and a private Redis, a loopback SMTP server counting what arrives, and deliveries
arriving while whole worker process groups are killed. What a kill strands (a claimed delivery,
a running run, a dispatch, a mail job) waits STUCK_AFTER (15 min) for its sweeper; the test
runs those sweepers in this process with the clock moved past that wait.
"""

from __future__ import annotations

import random
import shutil
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select, text

from ecomapp import create_app
from ecomapp.automation.batch import sweep_pending
from ecomapp.automation.runs import sweep_runs
from ecomapp.extensions import db
from ecomapp.jobs.queue import redis_connection
from ecomapp.jobs.ticker import tick
from ecomapp.mail.subscribers import sweep_messages
from ecomapp.models import Event, InboxDelivery, Message, Run, Store
from tests import services
from tests.automation_support import deliver, make_automation
from tests.conftest import make_settings
from tests.factories import customer_record, make_store
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail
from tests.processes import WorkerGroup, private_redis, real_clock, wait_until, worker_env

WELCOME = {
    "trigger": {"event": "customer.created"},
    "steps": [{"type": "action", "action": "send_email", "params": {"template": "welcome"}}],
}
KILLS = services.KILL_STORM
DELIVERIES = max(30, KILLS * 3 // 2)
WORKERS = 2


def _requirements(database_url: str) -> None:
    missing = []
    if not database_url.startswith("postgresql"):
        missing.append("PostgreSQL (TEST_DATABASE_URL)")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if missing and services.IN_CI and "redis-server" in missing:
        pytest.fail("CI must provide redis-server")
    if missing:
        pytest.skip("the kill test needs " + " and ".join(missing))


def _in(web: Flask, read: Callable[[], object]) -> object:
    with web.app_context():
        try:
            return read()
        finally:
            db.session.remove()


def _done(web: Flask) -> int:
    statuses = _in(web, lambda: db.session.scalars(select(InboxDelivery.status)).all())
    return sum(1 for status in statuses if status == "done")  # type: ignore[union-attr]


def _settled(web: Flask) -> bool:
    def read() -> bool:
        deliveries = db.session.scalars(select(InboxDelivery.status)).all()
        mails = db.session.scalars(select(Message.status)).all()
        return (
            len(deliveries) == DELIVERIES
            and set(deliveries) == {"done"}
            and len(mails) == DELIVERIES
            and set(mails) <= {"sent", "uncertain"}
        )

    return bool(_in(web, read))


def _state(web: Flask) -> object:
    def read() -> object:
        deliveries = Counter(db.session.scalars(select(InboxDelivery.status)).all())
        mails = Counter(db.session.scalars(select(Message.status)).all())
        runs = Counter(db.session.scalars(select(Run.status)).all())
        events = Counter(
            e is not None for e in db.session.scalars(select(Event.dispatched_at)).all()
        )
        return {"deliveries": deliveries, "mails": mails, "runs": runs, "dispatched": events}

    return _in(web, read)


def _sweep_as_if_later(web: Flask) -> None:
    """Run the ticker and the periodic sweepers here, 20 minutes ahead of the real clock."""
    with web.app_context():
        seconds, micros = redis_connection(web).time()
        later = datetime.fromtimestamp(seconds + micros / 1e6, UTC) + timedelta(minutes=20)
        with time_machine.travel(later, tick=True):
            tick()
            sweep_pending()  # inline, like the others: a queued sweep would read the real clock
            sweep_runs()
            sweep_messages()
        db.session.remove()


def _storm(workers: list[WorkerGroup], web: Flask, store_id: int, seed: int) -> list[int]:
    """Kill each worker group a moment after it started working, in turn, while deliveries
    arrive; return how many deliveries were done at each kill."""
    rng = random.Random(seed)
    progress = []
    sent = 0
    for kill in range(KILLS):
        batch = min(2, DELIVERIES - sent)
        if batch:
            _deliver(web, store_id, range(sent, sent + batch))
            sent += batch
        victim = workers[kill % len(workers)]
        wait_until(victim.ready, 30)
        time.sleep(rng.uniform(0.05, 0.6))
        victim.kill()
        victim.start()
        progress.append(_done(web))
    _deliver(web, store_id, range(sent, DELIVERIES))
    return progress


def _deliver(web: Flask, store_id: int, numbers: range) -> None:
    with web.app_context():
        store = db.session.get(Store, store_id)
        for n in numbers:
            rec = customer_record(platform_id=f"k-{n}", email=f"k{n}@example.com")
            assert deliver(store, "customer", rec, external_id=f"kill-{n}")
        db.session.remove()


@pytest.mark.real_services
@pytest.mark.timeout(240)  # horses really die, so sweepers rescue more; ~100 s at load 7
def test_killed_workers_lose_and_double_nothing(app: Flask, tmp_path: Path) -> None:
    """Given two workers on PostgreSQL and Redis and a welcome automation on an SMTP store,
    when 30 sign-ups arrive while worker process groups are SIGKILLed 20 times, then every
    delivery is processed, each customer has one welcome mail that arrived at most once (once
    when marked sent), and processing went on between kills."""
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    _requirements(database_url)
    prefix = f"ecomapp-kills-{services.RUN_ID}"
    with (
        private_redis(tmp_path) as redis_server,
        real_clock(redis_server.url),
        running_smtp() as smtp_server,
    ):
        web = create_app(
            make_settings(
                redis_url=redis_server.url, queue_prefix=prefix, database_url=database_url
            ),
            SQLALCHEMY_DATABASE_URI=database_url,
        )
        with web.app_context():
            store = make_store(settings={"address": "1 Pine St"})
            configure_mail(store, backend="smtp", smtp_url=smtp_server.url)
            make_automation(store, WELCOME)
            store_id = store.id
            db.session.remove()
        env = worker_env(database_url, redis_server.url, prefix, MAIL_SEND_TIMEOUT="2")
        workers = [WorkerGroup(env, tmp_path / f"worker-{i}.log") for i in range(WORKERS)]
        for worker in workers:
            worker.start()
        try:
            started = time.monotonic()
            progress = _storm(workers, web, store_id, seed=int(services.RUN_ID, 16))
            storm = time.monotonic() - started
            deadline = time.monotonic() + 60
            while not _settled(web) and time.monotonic() < deadline:
                _sweep_as_if_later(web)
                wait_until(lambda: _settled(web), 4, step=0.5)
            settled = _settled(web)
            settle = time.monotonic() - deadline + 60
            print(f"{KILLS} kills in {storm:.1f}s, settled {settle:.1f}s later; done {progress}")
        finally:
            for worker in workers:
                worker.stop()
        logs = "".join(p.read_text() for p in tmp_path.glob("worker-*.log"))
        assert settled, f"not settled: {_state(web)}; progress {progress}\n{logs[-3000:]}"
        received = Counter(to for mail in smtp_server.received for to in mail.rcpt_tos)
        with web.app_context():
            redis_connection(web).close()

    def read() -> list[tuple[str, str]]:
        rows = db.session.execute(select(Message.to_email, Message.status)).all()
        return [(to, status) for to, status in rows]

    mails = _in(web, read)
    uncertain = sum(1 for _, status in mails if status == "uncertain")  # type: ignore[union-attr]
    print(f"mails: {len(received)} received, {uncertain} uncertain (killed mid-send)")
    assert len({to for to, _ in mails}) == DELIVERIES  # type: ignore[union-attr]
    assert max(received.values()) == 1, received
    for to, status in mails:  # type: ignore[union-attr]
        assert received[to] == 1 if status == "sent" else received[to] <= 1
    assert progress[KILLS // 2] > 0 and progress[-1] > progress[KILLS // 2], progress
    with web.app_context():
        stuck = db.session.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
            )
        ).scalar()
        db.session.remove()
        db.engine.dispose()
    assert stuck == 0


def test_postgres_sessions_bound_their_waits(app: Flask) -> None:
    """Given PostgreSQL, then every session of the app bounds idle transactions, lock waits
    and statements (so an orphaned work-horse cannot hold row locks for ever)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("session timeouts are PostgreSQL settings")
    shown = {
        name: db.session.execute(text(f"SHOW {name}")).scalar()
        for name in ("idle_in_transaction_session_timeout", "lock_timeout", "statement_timeout")
    }
    assert shown == {
        "idle_in_transaction_session_timeout": "5min",
        "lock_timeout": "30s",
        "statement_timeout": "5min",
    }
