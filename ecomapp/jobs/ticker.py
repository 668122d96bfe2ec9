"""The ticker: enqueue due work and sweep unprocessed deliveries; safe to run twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue
from ecomapp.models.types import utcnow
from ecomapp.models.work import DueStatus, DueWork, InboxDelivery, InboxStatus

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
        if result.rowcount == 1:
            row = db.session.get(DueWork, due_id)
            assert row is not None
            enqueue(row.job, *row.args, store_id=row.store_id, attempt=row.attempt)
            claimed += 1
    db.session.commit()
    return claimed


def sweep_inbox(now: datetime | None = None) -> int:
    """Re-enqueue deliveries left unprocessed (Redis was down, a worker died)."""
    from ecomapp.jobs.ingest import ingest_delivery

    now = now or utcnow()
    stale = or_(
        (InboxDelivery.status == InboxStatus.RECEIVED.value)
        & (InboxDelivery.received_at <= now - SWEEP_AFTER),
        (InboxDelivery.status == InboxStatus.PROCESSING.value)
        & (InboxDelivery.received_at <= now - STUCK_AFTER),
    )
    ids = db.session.scalars(select(InboxDelivery.id).where(stale).limit(BATCH)).all()
    for delivery_id in ids:
        result = db.session.execute(
            update(InboxDelivery)
            .where(InboxDelivery.id == delivery_id, stale)
            .values(status=InboxStatus.RECEIVED.value, received_at=now)
        )
        if result.rowcount == 1:
            enqueue(ingest_delivery, delivery_id)
    db.session.commit()
    return len(ids)


def tick(now: datetime | None = None) -> int:
    """Run one tick: due work, then the inbox sweep, then periodic hooks."""
    from ecomapp.jobs.periodic import run_periodic

    count = enqueue_due(now)
    sweep_inbox(now)
    run_periodic(now or utcnow())
    return count
