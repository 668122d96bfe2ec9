"""The ticker: enqueue due work and sweep unprocessed deliveries; safe to run twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import func, or_, select, update

from ecomapp.extensions import affected, db
from ecomapp.jobs import ingest as _ingest  # noqa: F401  (registers the ingest job id)
from ecomapp.jobs.queue import enqueue_after_commit, job_id, live_job_ids
from ecomapp.jobs.retry import MAX_RESCUES
from ecomapp.models.types import utcnow
from ecomapp.models.work import DueStatus, DueWork, InboxDelivery, InboxStatus

log = logging.getLogger(__name__)
INGEST = "ecomapp.jobs.ingest:ingest_delivery"

BATCH = 500
SWEEP_AFTER = timedelta(seconds=60)
STUCK_AFTER = timedelta(minutes=15)


def enqueue_due(now: datetime | None = None) -> int:
    """Claim each due row with a conditional update and enqueue it; return how many."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(DueWork.id)
        .where(DueWork.status == DueStatus.PENDING.value, DueWork.due_at <= now)
        .order_by(DueWork.due_at)
        .limit(BATCH)
    ).all()
    claimed = 0
    for due_id in ids:
        result = db.session.execute(
            update(DueWork)
            .where(DueWork.id == due_id, DueWork.status == DueStatus.PENDING.value)
            .values(status=DueStatus.ENQUEUED.value, enqueued_at=now)
        )
        if affected(result) == 1:
            row = db.session.get(DueWork, due_id)
            assert row is not None
            enqueue_after_commit(row.job, *row.args, store_id=row.store_id, attempt=row.attempt)
            claimed += 1
    db.session.commit()
    return claimed


def _pending_due_work(now: datetime) -> bool:
    """Return True while due work waits to be enqueued: it goes first, sweeps wait."""
    stmt = select(DueWork.id).where(
        DueWork.status == DueStatus.PENDING.value, DueWork.due_at <= now
    )
    return db.session.scalar(stmt.limit(1)) is not None


def _live(job_ids: list[str], now: datetime) -> set[str] | None:
    """Return which of these jobs Redis still holds, or None when Redis cannot say."""
    try:
        return live_job_ids(job_ids, started_since=now - STUCK_AFTER)
    except RedisError as exc:
        log.warning("sweep skipped: Redis unreachable (%s)", exc)
        return None


def sweep_inbox(now: datetime | None = None) -> int:
    """Re-enqueue deliveries whose job was lost, once per loss and MAX_RESCUES times at most.

    A delivery waiting in the queue, or whose transient failure the job layer is retrying,
    is not stranded and is left alone.
    """
    now = now or utcnow()
    touched = func.coalesce(InboxDelivery.touched_at, InboxDelivery.received_at)
    stale = or_(
        (InboxDelivery.status == InboxStatus.RECEIVED.value) & (touched <= now - SWEEP_AFTER),
        InboxDelivery.status.in_([InboxStatus.PROCESSING.value, InboxStatus.RETRYING.value])
        & (touched <= now - STUCK_AFTER),
    )
    rows = db.session.execute(
        select(InboxDelivery.id, InboxDelivery.rescues, InboxDelivery.store_id)
        .where(stale)
        .limit(BATCH)
    ).all()
    ids = {row.id: job_id(INGEST, [row.id, row.rescues]) or "" for row in rows}
    live = _live(list(ids.values()), now) if rows else set()
    if live is None:
        return 0
    rescued = 0
    for row in rows:
        if ids[row.id] not in live:
            rescued += _rescue_delivery(row.id, row.rescues, row.store_id, stale, now)
    db.session.commit()
    return rescued


def _rescue_delivery(
    delivery_id: int, rescues: int, store_id: int | None, stale: Any, now: datetime
) -> int:
    """Hand a stranded delivery to a new job, or give it up after MAX_RESCUES."""
    from ecomapp.jobs.ingest import ingest_delivery

    mine = (InboxDelivery.id == delivery_id) & (InboxDelivery.rescues == rescues) & stale
    if rescues >= MAX_RESCUES:
        error = f"stranded: its job was lost {rescues + 1} times; gave up"
        db.session.execute(
            update(InboxDelivery).where(mine).values(status=InboxStatus.FAILED.value, error=error)
        )
        log.error("delivery %s %s", delivery_id, error)
        return 0
    result = db.session.execute(
        update(InboxDelivery)
        .where(mine)
        .values(status=InboxStatus.RECEIVED.value, rescues=rescues + 1, touched_at=now)
    )
    if affected(result) != 1:
        return 0
    enqueue_after_commit(ingest_delivery, delivery_id, rescues + 1, store_id=store_id)
    return 1


def tick(now: datetime | None = None) -> int:
    """Run one tick: due work, then the sweeps (once no due work waits), then periodic hooks."""
    from ecomapp.events.bus import sweep_events
    from ecomapp.jobs.periodic import run_periodic

    now = now or utcnow()
    count = enqueue_due(now)
    if not _pending_due_work(now):
        sweep_inbox(now)
        sweep_events(now)
    run_periodic(now)
    return count
