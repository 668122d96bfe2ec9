"""Turn one recorded delivery into mirror rows and canonical events."""

from __future__ import annotations

from sqlalchemy import update

from ecomapp.extensions import db
from ecomapp.jobs.retry import is_transient
from ecomapp.models.types import utcnow
from ecomapp.models.work import InboxDelivery, InboxStatus


def _claim(delivery_id: int) -> bool:
    result = db.session.execute(
        update(InboxDelivery)
        .where(
            InboxDelivery.id == delivery_id,
            InboxDelivery.status == InboxStatus.RECEIVED.value,
        )
        .values(status=InboxStatus.PROCESSING.value, attempts=InboxDelivery.attempts + 1)
    )
    db.session.commit()
    return result.rowcount == 1


def ingest_delivery(delivery_id: int) -> None:
    """Apply a delivery through its platform's adapter, exactly once."""
    from ecomapp.platforms.registry import get_adapter

    if not _claim(delivery_id):
        return  # gone, or already taken by another worker
    delivery = db.session.get(InboxDelivery, delivery_id)
    assert delivery is not None
    try:
        handled = get_adapter(delivery.platform).ingest(delivery)
    except Exception as exc:
        db.session.rollback()
        _mark(delivery_id, exc)
        raise
    delivery.status = (InboxStatus.DONE if handled else InboxStatus.IGNORED).value
    delivery.processed_at = utcnow()
    delivery.error = None
    db.session.commit()


def _mark(delivery_id: int, exc: Exception) -> None:
    delivery = db.session.get(InboxDelivery, delivery_id)
    if delivery is None:
        return
    transient = is_transient(exc)
    delivery.status = (InboxStatus.RECEIVED if transient else InboxStatus.FAILED).value
    delivery.error = f"{type(exc).__name__}: {exc}"
    db.session.commit()
