"""Turn one recorded delivery into mirror rows and canonical events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from ecomapp.extensions import affected, db
from ecomapp.jobs.retry import MAX_ATTEMPTS, is_transient
from ecomapp.models.types import utcnow
from ecomapp.models.work import InboxDelivery, InboxStatus
from ecomapp.redaction import describe

CLAIMABLE = (InboxStatus.RECEIVED.value, InboxStatus.RETRYING.value)
INGEST = "ecomapp.jobs.ingest:ingest_delivery"


def delivery_job_id(args: list[Any]) -> str:
    """Return the RQ job id of one ingest of a delivery (id, rescue generation)."""
    generation = args[1] if len(args) > 1 else 0
    return f"ingest-{args[0]}-{generation}"


def _claim(delivery_id: int) -> bool:
    result = db.session.execute(
        update(InboxDelivery)
        .where(InboxDelivery.id == delivery_id, InboxDelivery.status.in_(CLAIMABLE))
        .values(
            status=InboxStatus.PROCESSING.value,
            attempts=InboxDelivery.attempts + 1,
            touched_at=utcnow(),
        )
    )
    db.session.commit()
    return affected(result) == 1


def ingest_delivery(delivery_id: int, generation: int = 0) -> None:
    """Job: apply one delivery through its platform's adapter, exactly once (a retry's job).

    New deliveries are ingested by the inbox drain; a delivery whose try failed transiently
    comes back here, through the job layer's retry.

    Args:
        delivery_id: the inbox row to apply.
        generation: how many times the sweeper rescued it (names the job; unused otherwise).
    """
    if not _claim(delivery_id):
        return  # gone, finished, or already taken by another worker
    try:
        _apply(delivery_id)
    except Exception as exc:
        db.session.rollback()
        _mark(delivery_id, exc)
        raise


def apply_claimed(delivery_id: int) -> None:
    """Apply a delivery a drain claimed; a failure is recorded and retried by the job layer."""
    from ecomapp.jobs.runner import record_failed_try

    try:
        _apply(delivery_id)
    except Exception as exc:
        db.session.rollback()
        attempt, rescues, store_id = _mark(delivery_id, exc)
        record_failed_try(INGEST, [delivery_id, rescues], store_id, attempt, exc)


def _apply(delivery_id: int) -> None:
    """Run the adapter's ingest of a claimed delivery and mark it done or ignored (committed)."""
    from ecomapp.platforms.registry import get_adapter

    delivery = db.session.get(InboxDelivery, delivery_id)
    assert delivery is not None
    handled = get_adapter(delivery.platform).ingest(delivery)
    delivery.status = (InboxStatus.DONE if handled else InboxStatus.IGNORED).value
    delivery.processed_at = utcnow()
    delivery.error = None
    db.session.commit()


def _mark(delivery_id: int, exc: Exception) -> tuple[int, int, int | None]:
    """Record the failure; a transient one is the job layer's to retry, a final one stays.

    Returns the delivery's (attempts, rescues, store id), which name its retry job.
    """
    delivery = db.session.get(InboxDelivery, delivery_id)
    if delivery is None:
        return MAX_ATTEMPTS, 0, None
    retry = is_transient(exc) and delivery.attempts < MAX_ATTEMPTS
    delivery.status = (InboxStatus.RETRYING if retry else InboxStatus.FAILED).value
    delivery.error = describe(exc)
    found = (delivery.attempts, delivery.rescues, delivery.store_id)
    db.session.commit()
    return found


def reopen(delivery_id: int, generation: int = 0) -> None:
    """Give a failed delivery a fresh set of tries (the Jobs page's Retry)."""
    db.session.execute(
        update(InboxDelivery)
        .where(InboxDelivery.id == delivery_id, InboxDelivery.status == InboxStatus.FAILED.value)
        .values(status=InboxStatus.RECEIVED.value, attempts=0, rescues=0, touched_at=utcnow())
    )
