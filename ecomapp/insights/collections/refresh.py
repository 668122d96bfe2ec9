"""Refresh a smart collection: compute members, push only the difference, schedule the next."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update

from ecomapp.extensions import db
from ecomapp.insights.collections.changes import CollectionChange, plan
from ecomapp.insights.collections.membership import compute_members
from ecomapp.insights.collections.ratings import mirror_ratings
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.jobs.retry import PermanentError
from ecomapp.models import SmartCollection, Store
from ecomapp.models.collections import CollectionKind
from ecomapp.models.types import utcnow
from ecomapp.platforms.base import PlatformAdapter, UnsupportedOperation
from ecomapp.platforms.registry import get_adapter

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(hours=1)


def next_refresh(store: Store, hour: int, now: datetime) -> datetime:
    """Return the next time the store's clock shows `hour`:00, after now, in UTC."""
    try:
        zone = ZoneInfo(store.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    day = local.date() if local.hour < hour else local.date() + timedelta(days=1)
    at = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
    return at.astimezone(ZoneInfo("UTC"))


def _push(
    adapter: PlatformAdapter, store: Store, collection: SmartCollection, change: CollectionChange
) -> None:
    """Send removals, additions, then moves; record the members after each landed step."""
    ref = str(collection.platform_ref)
    if change.remove:
        adapter.remove_from_collection(store, ref, change.remove)
        gone = set(change.remove)
        collection.members = [p for p in collection.members if p not in gone]
        db.session.commit()
    if change.add:
        adapter.add_to_collection(store, ref, change.add)
        collection.members = [*collection.members, *change.add]
        db.session.commit()
    if change.moves:
        adapter.reorder_collection(store, ref, change.moves)


def refresh_collection(collection_id: int, now: datetime | None = None) -> CollectionChange | None:
    """Job: bring one smart collection up to date on its platform; None when it could not."""
    collection = db.session.get(SmartCollection, collection_id)
    store = db.session.get(Store, collection.store_id) if collection else None
    if collection is None or store is None or not store.is_active:
        return None
    now = now or utcnow()
    adapter = get_adapter(store.platform)
    try:
        if collection.kind == CollectionKind.TOP_RATED:
            mirror_ratings(store, adapter)
        within = None
        if collection.scope_kind == "category":
            within = adapter.category_products(store, collection.scope_value)
        change = plan(list(collection.members), compute_members(collection, now, within))
        if not adapter.orders_collections:
            change.moves = []
        if collection.platform_ref is None:
            collection.platform_ref = adapter.create_collection(store, collection.title)
            db.session.commit()
        _push(adapter, store, collection, change)
    except (PermanentError, UnsupportedOperation) as exc:
        log.warning("smart collection %s: %s", collection.id, exc)
        collection.last_error = str(exc)[:500]
        collection.next_refresh_at = next_refresh(store, collection.refresh_hour, now)
        db.session.commit()
        return None
    collection.members = change.target
    collection.last_change = change.summary()
    collection.last_error = None
    collection.last_refresh_at = now
    collection.next_refresh_at = next_refresh(store, collection.refresh_hour, now)
    db.session.commit()
    return change


def refresh_due(now: datetime | None = None) -> int:
    """Periodic job: enqueue a refresh for every collection whose time has come."""
    now = now or utcnow()
    rows = db.session.execute(
        select(SmartCollection.id, SmartCollection.store_id)
        .join(Store, Store.id == SmartCollection.store_id)
        .where(Store.uninstalled_at.is_(None), SmartCollection.next_refresh_at <= now)
    ).all()
    for collection_id, store_id in rows:
        enqueue_after_commit(refresh_collection, collection_id, store_id=store_id)
    if rows:  # a lease: the next check does not enqueue it again while it waits or runs
        db.session.execute(
            update(SmartCollection)
            .where(SmartCollection.id.in_([r[0] for r in rows]))
            .values(next_refresh_at=now + RETRY_AFTER)
        )
    db.session.commit()
    return len(rows)
