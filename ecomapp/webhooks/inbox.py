"""Record an inbound delivery once; a duplicate is acknowledged and not processed again."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ecomapp.extensions import db
from ecomapp.jobs.ingest import ingest_delivery
from ecomapp.jobs.queue import enqueue
from ecomapp.models import InboxDelivery


def record_delivery(
    platform: str,
    external_id: str,
    topic: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    store_id: int | None = None,
    shop_domain: str | None = None,
) -> tuple[InboxDelivery, bool]:
    """Commit one inbox row and enqueue its ingestion; return (row, created)."""
    found = db.session.scalar(
        select(InboxDelivery).where(
            InboxDelivery.platform == platform, InboxDelivery.external_id == external_id
        )
    )
    if found is not None:
        return found, False
    delivery = InboxDelivery(
        platform=platform,
        external_id=external_id,
        topic=topic,
        body=body,
        headers=dict(headers or {}),
        store_id=store_id,
        shop_domain=shop_domain,
    )
    db.session.add(delivery)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent duplicate won the race
        db.session.rollback()
        found = db.session.scalar(
            select(InboxDelivery).where(
                InboxDelivery.platform == platform, InboxDelivery.external_id == external_id
            )
        )
        assert found is not None
        return found, False
    enqueue(ingest_delivery, delivery.id, store_id=store_id)
    db.session.commit()
    return delivery, True
