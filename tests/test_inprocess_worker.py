"""The in-process worker on a real Redis: its thread keeps draining, job after job."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.jobs.inprocess import start_background
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import JobRecord
from tests import services


def idle(n: int) -> None:
    """Do nothing: a job for the worker to pick up."""


def _finished() -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count(JobRecord.id)).where(JobRecord.job.like("%idle"))
                                 .where(JobRecord.finished_at.is_not(None))) or 0)  # fmt: skip


@pytest.mark.skipif(not services.TEST_REDIS_URL, reason="needs a real Redis (TEST_REDIS_URL)")
def test_background_worker_on_real_redis_keeps_draining(app: Flask) -> None:
    """Given the demo's background worker thread on a real Redis, when jobs arrive one after
    another, then each is run: no drain waits on RQ's command channel (which used to stall the
    thread for up to a minute at random)."""
    stop = start_background(app, interval=0.05)
    try:
        for i in range(25):
            enqueue_after_commit(idle, i)
            db.session.commit()
            deadline = time.monotonic() + 20  # a liveness bound, far above a normal drain
            while _finished() <= i and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _finished() == i + 1, f"job {i} never ran: the worker thread is stuck"
    finally:
        stop.set()
