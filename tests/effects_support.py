"""Helpers for exactly-once effect tests: a worker process killed mid-step, then the retry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.models import InboxDelivery, PendingEvent, Run, utcnow

ROOT = Path(__file__).resolve().parent.parent
# One worker on the test's clock: ingest the delivery, then run every job it leads to, until
# it is killed.
WORKER = """
import sys
import time_machine
time_machine.travel(sys.argv[2], tick=True).start()  # the test's clock, in this process too

from ecomapp import create_app
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.ingest import ingest_delivery

app = create_app()
with app.app_context():
    ingest_delivery(int(sys.argv[1]))
drain(app)
"""
NOTE = {"type": "action", "action": "order_note", "params": {"note": "Checked {{ order.name }}"}}
DISCOUNT = {
    "type": "action",
    "action": "create_discount",
    "params": {"percent_off": 10, "prefix": "SORRY"},
}
Arm = Callable[[Callable[[], None]], None]


def on_order(*steps: dict[str, Any]) -> dict[str, Any]:
    """Return an automation definition running steps on each new order."""
    return {"trigger": {"event": "order.created"}, "steps": list(steps)}


def worker_env(database_url: str, **extra: str) -> dict[str, str]:
    """Return the environment of a worker process on the test database and settings."""
    settings = current_app.config["SETTINGS"]
    return os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": settings.secret_key,
        "ENCRYPTION_KEY": ",".join(settings.encryption_keys),
        "APP_URL": settings.app_url,
        "ECOMAPP_ENV": "testing",
        "REDIS_URL": "",
        "WOOCOMMERCE_ALLOW_HTTP": "1",
        "ALLOW_PRIVATE_OUTBOUND": "1",
        **extra,
    }


def run_worker_until_killed(
    database_url: str, arm: Arm, stranded: str | None = "running", **env: str
) -> None:
    """Run the newest delivery in a worker process that the stand-in kills once it has acted.

    A step run on its own leaves its run `stranded` as running; a step the engine's batch takes
    (a last order note) dies with the batch: no run is recorded and the event stays pending.
    """
    delivery_id = db.session.scalar(select(InboxDelivery.id).order_by(InboxDelivery.id.desc()))
    db.session.commit()
    pid: list[int] = []
    arm(lambda: os.kill(pid[0], signal.SIGKILL))
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(delivery_id), utcnow().isoformat()],
        cwd=ROOT,
        env=worker_env(database_url, **env),
    )
    pid.append(worker.pid)
    assert worker.wait(timeout=120) == -signal.SIGKILL
    db.session.expire_all()
    assert db.session.scalar(select(Run.status)) == stranded  # stranded mid-step or batch
    if stranded is None:
        assert db.session.scalar(select(PendingEvent.event_id)) is not None


def retry_later(time_machine: TimeMachineFixture, run_jobs: Callable[[], None]) -> None:
    """Let the stuck-run sweeper find the stranded run, as it would 20 minutes later."""
    db.session.execute(update(Run).values(claimed_at=utcnow() - timedelta(minutes=20)))
    db.session.commit()
    time_machine.move_to(utcnow() + timedelta(minutes=10), tick=True)
    run_jobs()  # records the sweeper's due work for this time bucket
    run_jobs()  # runs the sweeper, then the resumed run
    assert db.session.scalar(select(Run.status)) == "done"
