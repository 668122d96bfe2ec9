"""Stock per location: keep each location's level, newest first, and sum them per variant."""

from __future__ import annotations

from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.mirror.freshness import is_stale
from ecomapp.mirror.records import InventoryRecord
from ecomapp.models import InventoryLevel, Store, Variant


def find_level(store: Store, variant: Variant, location_id: str) -> InventoryLevel | None:
    """Return the variant's level at this location, if one was reported."""
    return db.session.scalar(
        select(InventoryLevel).where(
            InventoryLevel.store_id == store.id,
            InventoryLevel.variant_id == variant.id,
            InventoryLevel.location_id == location_id,
        )
    )


def record_level(store: Store, variant: Variant, location_id: str, rec: InventoryRecord) -> bool:
    """Upsert one location's level; return False when it is older than the one held."""
    level = find_level(store, variant, location_id)
    if level is None:
        level = InventoryLevel(store_id=store.id, variant_id=variant.id, location_id=location_id)
        db.session.add(level)
    elif is_stale(level.platform_updated_at, rec.updated_at):
        return False
    level.available = rec.available
    level.platform_updated_at = rec.updated_at or level.platform_updated_at
    db.session.flush()
    return True


def drop_level(store: Store, variant: Variant, location_id: str) -> bool:
    """Delete the variant's level at a location; return False when there was none."""
    level = find_level(store, variant, location_id)
    if level is None:
        return False
    db.session.delete(level)
    db.session.flush()
    return True


def has_levels(store: Store, variant: Variant) -> bool:
    """Return True when any location has reported stock for this variant."""
    if variant.id is None:
        return False
    stmt = select(InventoryLevel.id).where(
        InventoryLevel.store_id == store.id, InventoryLevel.variant_id == variant.id
    )
    return db.session.scalar(stmt.limit(1)) is not None


def total_stock(store: Store, variant: Variant) -> int:
    """Return the variant's stock summed over every location that reported it."""
    stmt = select(func.coalesce(func.sum(InventoryLevel.available), 0)).where(
        InventoryLevel.store_id == store.id, InventoryLevel.variant_id == variant.id
    )
    return int(db.session.scalar(stmt) or 0)
