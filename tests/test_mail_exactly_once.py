"""Exactly once: a retried send, a duplicate key or a crash after sending never doubles a mail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask, current_app
from sqlalchemy import select, update
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.jobs.runner import run_job
from ecomapp.mail import groups, smtp
from ecomapp.models import DueWork, JobRecord, Message, utcnow
from tests import services
from tests.effects_support import worker_env
from tests.factories import make_store
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail, make_customer, queue_mail

ROOT = Path(__file__).resolve().parent.parent
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a fixed instant, far from quiet hours
DELIVER_BATCH = """
import sys
from datetime import datetime

import time_machine

from ecomapp import create_app
from ecomapp.mail.delivery import deliver_batch

app = create_app()
with app.app_context(), time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=True):
    deliver_batch([int(i) for i in sys.argv[2:]])
"""
DELIVER_ONE = """
import sys
from ecomapp import create_app
from ecomapp.mail.delivery import deliver_message

app = create_app()
with app.app_context():
    deliver_message(int(sys.argv[1]))
"""


def _a_minute_later() -> None:
    """Move the interrupted send and its retry into the past, as if time had passed."""
    past = utcnow() - timedelta(minutes=5)
    db.session.execute(update(Message).values(sending_at=past))
    db.session.execute(update(DueWork).values(due_at=past))
    db.session.commit()


def test_job_killed_after_sending_then_retried_sends_once(
    database_url: str, run_jobs: Callable[[], None]
) -> None:
    """Given a worker killed after the server took the mail, when retried, then no second mail."""
    with running_smtp() as server:
        store = make_store()
        configure_mail(store, backend="smtp", smtp_url=server.url)
        message = queue_mail(store, make_customer(store))
        worker = subprocess.Popen(
            [sys.executable, "-c", DELIVER_ONE, str(message.id)],
            cwd=ROOT,
            env=worker_env(database_url),
        )
        server.handler.on_data = lambda: os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(timeout=60) == -signal.SIGKILL
        db.session.expire_all()
        assert db.session.get(Message, message.id).status == "sending"
        run_jobs()  # the original job (and any sweep) finds it `sending`: wait, never resend
        _a_minute_later()
        run_jobs()
        smtp.close_all()
        assert len(server.received) == 1
    row = db.session.get(Message, message.id)
    assert row.status == "uncertain" and "not sent again" in row.error
    assert row.attempts == 1


def test_fresh_sending_row_is_left_to_its_worker(run_jobs: Callable[[], None]) -> None:
    """Given a row another worker is sending right now, then a second job waits and retries."""
    with running_smtp() as server:
        store = make_store()
        configure_mail(store, backend="smtp", smtp_url=server.url)
        message = queue_mail(store, make_customer(store))
        db.session.execute(
            update(Message).values(status="sending", sending_at=utcnow(), attempts=1)
        )
        run_jobs()
        smtp.close_all()
        assert server.received == []
    job = db.session.scalar(select(JobRecord).where(JobRecord.job.like("%deliver_message")))
    assert job.status == "retrying" and "another worker" in job.error
    assert db.session.get(Message, message.id).status == "sending"


def test_same_idempotency_key_twice_is_one_row_and_one_mail(run_jobs: Callable[[], None]) -> None:
    """Given the same automation step sent twice (a retried run), then one row, one mail."""
    with running_smtp() as server:
        store = make_store()
        configure_mail(store, backend="smtp", smtp_url=server.url)
        customer = make_customer(store)
        first = queue_mail(store, customer, key="auto:3:v2:event:55:step:1")
        run_jobs()
        second = queue_mail(store, customer, key="auto:3:v2:event:55:step:1")
        run_jobs()
        smtp.close_all()
        assert len(server.received) == 1
    assert first.id == second.id
    rows = db.session.scalars(select(Message).where(Message.store_id == store.id)).all()
    assert len(rows) == 1 and rows[0].status == "sent"


def test_sweeper_delivers_a_message_whose_job_was_lost(run_jobs: Callable[[], None]) -> None:
    """Given a pending message whose delivery job vanished, then the sweeper delivers it once."""
    with running_smtp() as server:
        store = make_store()
        configure_mail(store, backend="smtp", smtp_url=server.url)
        message = queue_mail(store, make_customer(store))
        redis = current_app.extensions["ecomapp_redis"]
        redis.flushdb()  # the queued job is lost (e.g. Redis was flushed)
        db.session.execute(update(Message).values(created_at=utcnow() - timedelta(minutes=11)))
        run_jobs()
        run_jobs()
        smtp.close_all()
        assert len(server.received) == 1
    assert db.session.get(Message, message.id).status == "sent"


def test_batch_killed_mid_group_sends_each_mail_once(
    database_url: str, run_jobs: Callable[[], None], time_machine: TimeMachineFixture
) -> None:
    """Given a batch of three claimed together and a worker killed while the server takes the
    second, when the jobs run after the send timeout, then the first is sent, the second is
    uncertain (never resent), the third goes once: three mails, nobody twice."""
    if services.TEST_REDIS_URL is None:
        pytest.skip("the worker's in-flight marker needs a Redis shared with it (TEST_REDIS_URL)")
    time_machine.move_to(NOON, tick=True)
    with running_smtp() as server:
        store = make_store()
        configure_mail(store, backend="smtp", smtp_url=server.url)
        ids = [queue_mail(store, make_customer(store)).id for _ in range(3)]
        worker = subprocess.Popen(
            # the worker dates its claim at this test's instant
            [sys.executable, "-c", DELIVER_BATCH, NOON.isoformat(), *map(str, ids)],
            cwd=ROOT,
            env=worker_env(database_url, REDIS_URL=services.TEST_REDIS_URL),
        )

        def kill_at_the_second() -> None:
            if len(server.received) == 2:
                os.kill(worker.pid, signal.SIGKILL)

        server.handler.on_data = kill_at_the_second
        assert worker.wait(timeout=60) == -signal.SIGKILL
        db.session.expire_all()
        assert [db.session.get(Message, i).status for i in ids] == ["sending"] * 3
        run_jobs()  # the queued jobs find the group `sending`: they wait, never resend
        time_machine.move_to(NOON + timedelta(minutes=5), tick=False)
        run_job("ecomapp.mail.delivery:deliver_batch", [ids], store.id)  # the killed job again
        db.session.expire_all()
        rows = [db.session.get(Message, i) for i in ids]
        assert [r.status for r in rows] == ["sent", "uncertain", "sent"]
        run_jobs()  # and the waiting ones: nothing is left to send
        smtp.close_all()
        received = [m.rcpt_tos[0] for m in server.received]
        assert sorted(received) == sorted(r.to_email for r in rows)
    assert rows[0].sent_at is not None and rows[1].attempts == 1


def test_two_groups_claimed_in_one_instant_get_their_own_markers(
    app: Flask, time_machine: TimeMachineFixture
) -> None:
    """Given two claims for one store at the same microsecond, then two groups, two markers."""
    store = make_store()
    configure_mail(store)
    first, second = (queue_mail(store, make_customer(store)) for _ in range(2))
    time_machine.move_to(NOON, tick=False)
    (a,), marker_a = groups.claim(store, [first])
    (b,), marker_b = groups.claim(store, [second])
    assert marker_a and marker_b and marker_a != marker_b
    assert a.sending_at != b.sending_at
    redis = current_app.extensions["ecomapp_redis"]
    assert redis.get(marker_a) == redis.get(marker_b) == b"0"
    stamped = db.session.scalars(select(Message.sending_at).order_by(Message.id)).all()
    assert len(set(stamped)) == 2
