"""Drain the inbox: one job ingests every waiting delivery, instead of one RQ job per delivery.

The door records a row and arms a drain with one Redis `SET NX` (the flag says "a drain is
queued and no worker has taken it"); only the delivery that sets the flag queues the job. The
worker clears the flag as it takes the job (`jobs.queue.WAKE_FLAGS`), so a delivery arriving
while a drain runs queues the next one, and a drain killed mid-run holds nothing: its one
claimed row waits for the stuck sweep, and the next delivery arms a new drain. Drains claim
rows one at a time with `FOR UPDATE SKIP LOCKED`, oldest first, so any number run side by
side without taking a row twice.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from ecomapp.extensions import db
from ecomapp.jobs.ingest import apply_claimed
from ecomapp.jobs.queue import clear_wake_flag, job_path, wake_job
from ecomapp.models.types import utcnow
from ecomapp.models.work import InboxDelivery, InboxStatus

# Seconds a lost drain job (dropped by Redis before a worker took it) blocks the next wake-up.
# Short, because deliveries keep coming: behind a backlog longer than this, another drain is
# queued every WAKE_TTL seconds, and it finds the rows shared or already done.
WAKE_TTL = 5
MAX_ROWS = 500  # a drain hands over to a fresh job after this many rows or MAX_SECONDS,
MAX_SECONDS = 60.0  # so other jobs on its queue interleave and no job nears its timeout


def wake_key(args: list[Any] | None = None) -> str:
    """Return the Redis key of the flag "a drain is queued and no worker has taken it"."""
    return f"{current_app.config['SETTINGS'].queue_prefix}:inbox-drain-queued"


def wake(force: bool = False) -> None:
    """Queue a drain unless one is queued and not taken yet (force: queue one anyway)."""
    wake_job(DRAIN, [], WAKE_TTL, queue="ingest", force=force)


def drain_inbox() -> int:
    """Job: ingest waiting deliveries, oldest first, until none is left; return how many."""
    clear_wake_flag(DRAIN, [])  # (the worker cleared it on taking the job; not a direct call)
    started, done = time.monotonic(), 0
    while (delivery_id := claim_next()) is not None:
        apply_claimed(delivery_id)
        done += 1
        if done >= MAX_ROWS or time.monotonic() - started > MAX_SECONDS:
            wake(force=True)  # the rest is the next job's
            break
    return done


def claim_next() -> int | None:
    """Mark the oldest received delivery as processing (committed); return its id or None."""
    oldest = (
        select(InboxDelivery.id)
        .where(InboxDelivery.status == InboxStatus.RECEIVED.value)
        .order_by(InboxDelivery.received_at, InboxDelivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)  # SQLite has one writer and no FOR UPDATE
        .scalar_subquery()
    )
    values: dict[str, Any] = {
        "status": InboxStatus.PROCESSING.value,
        "attempts": InboxDelivery.attempts + 1,
        "touched_at": utcnow(),
    }
    claimed = db.session.execute(
        update(InboxDelivery)
        .where(InboxDelivery.id == oldest, InboxDelivery.status == InboxStatus.RECEIVED.value)
        .values(**values)
        .returning(InboxDelivery.id)
    ).scalar_one_or_none()
    db.session.commit()
    return claimed


DRAIN = job_path(drain_inbox)
