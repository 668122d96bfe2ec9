"""The ticker: enqueue due work and sweep unprocessed deliveries; safe to run twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import func, select, update

from ecomapp.extensions import affected, db
from ecomapp.jobs.ingest import INGEST
from ecomapp.jobs.queue import enqueue_after_commit, job_id, live_job_ids
from ecomapp.jobs.retry import MAX_RESCUES
from ecomapp.models.types import utcnow
from ecomapp.models.work import DueStatus, DueWork, InboxDelivery, InboxStatus

log = logging.getLogger(__name__)

BATCH = 500
# A delivery received this long ago and still waiting: its drain was killed on another row (the
# rest wait for the next delivery's wake-up, which may not come) or its wake-up was lost.
SWEEP_AFTER = timedelta(seconds=15)
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
    """Wake the drain for deliveries left waiting, and rescue stranded ones; return rescues.

    - received over SWEEP_AFTER ago: the drain's wake-up was lost (or it waits behind a backlog,
      where one more drain does no harm): a drain is queued, unless one is queued and not
      started yet (its flag expires WAKE_TTL after a lost job was queued);
    - processing over STUCK_AFTER ago: the job that claimed it was killed (no job runs that
      long): it is received again, MAX_RESCUES times at most, then failed;
    - retrying over STUCK_AFTER ago and its retry job lost: that job is queued again.
    """
    from ecomapp.jobs.inbox_drain import wake

    now = now or utcnow()
    waiting = _left(InboxStatus.RECEIVED, now - SWEEP_AFTER)
    late = db.session.scalar(select(InboxDelivery.id).where(waiting).limit(1)) is not None
    rescued = _rescue_claimed(now) + _rescue_retries(now)
    db.session.commit()
    if late or rescued:
        wake()
    return rescued


def _left(status: InboxStatus, since: datetime) -> Any:
    """Return the condition: deliveries in `status`, last touched (or received) before `since`."""
    touched = func.coalesce(InboxDelivery.touched_at, InboxDelivery.received_at)
    return (InboxDelivery.status == status.value) & (touched <= since)


def _rescue_claimed(now: datetime) -> int:
    """Receive again the deliveries a killed job left processing (fail them after MAX_RESCUES)."""
    stuck = _left(InboxStatus.PROCESSING, now - STUCK_AFTER)
    rows = db.session.execute(
        select(InboxDelivery.id, InboxDelivery.rescues).where(stuck).limit(BATCH)
    ).all()
    rescued = 0
    for row in rows:
        mine = (InboxDelivery.id == row.id) & (InboxDelivery.rescues == row.rescues) & stuck
        if row.rescues >= MAX_RESCUES:
            _give_up(row.id, row.rescues, mine)
            continue
        result = db.session.execute(
            update(InboxDelivery)
            .where(mine)
            .values(status=InboxStatus.RECEIVED.value, rescues=row.rescues + 1, touched_at=now)
        )
        rescued += affected(result)
    return rescued


def _rescue_retries(now: datetime) -> int:
    """Queue again the retry jobs Redis lost (a transient failure waiting for its next try)."""
    stuck = _left(InboxStatus.RETRYING, now - STUCK_AFTER)
    rows = db.session.execute(
        select(InboxDelivery.id, InboxDelivery.rescues, InboxDelivery.store_id)
        .where(stuck)
        .limit(BATCH)
    ).all()
    ids = {row.id: job_id(INGEST, [row.id, row.rescues]) or "" for row in rows}
    live = _live(list(ids.values()), now) if rows else set()
    if live is None:
        return 0
    due = _due_retries(set(ids))
    rescued = 0
    for row in rows:
        if ids[row.id] not in live and row.id not in due:
            rescued += _rescue_delivery(row.id, row.rescues, row.store_id, stuck, now)
    return rescued


def _due_retries(delivery_ids: set[int]) -> set[int]:
    """Return which of these deliveries have a retry waiting in due work (a long Retry-After)."""
    if not delivery_ids:
        return set()
    stmt = select(DueWork.args).where(
        DueWork.job == INGEST, DueWork.status == DueStatus.PENDING.value
    )
    return {args[0] for args in db.session.scalars(stmt) if args and args[0] in delivery_ids}


def _give_up(delivery_id: int, rescues: int, mine: Any) -> None:
    """Fail a delivery whose job was lost MAX_RESCUES + 1 times, saying so."""
    error = f"stranded: its job was lost {rescues + 1} times; gave up"
    db.session.execute(
        update(InboxDelivery).where(mine).values(status=InboxStatus.FAILED.value, error=error)
    )
    log.error("delivery %s %s", delivery_id, error)


def _rescue_delivery(
    delivery_id: int, rescues: int, store_id: int | None, stale: Any, now: datetime
) -> int:
    """Hand a delivery whose retry job was lost to a new job, or give it up after MAX_RESCUES."""
    from ecomapp.jobs.ingest import ingest_delivery

    mine = (InboxDelivery.id == delivery_id) & (InboxDelivery.rescues == rescues) & stale
    if rescues >= MAX_RESCUES:
        _give_up(delivery_id, rescues, mine)
        return 0
    result = db.session.execute(
        update(InboxDelivery).where(mine).values(rescues=rescues + 1, touched_at=now)
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
