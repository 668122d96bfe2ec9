"""Stock changes a batch at a time: untag restocked products, show restocked hidden ones."""

from __future__ import annotations

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.inventory.low_stock import untag_restocked
from ecomapp.inventory.visibility import show_restocked
from ecomapp.models import Event, Store, utcnow

SUBSCRIBER = "ecomapp.inventory.stock_events:on_inventory"


def on_inventory(store_id: int, event_ids: list[int]) -> None:
    """Handle a store's inventory.changed events (a retried batch changes nothing twice)."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    data = db.session.scalars(
        select(Event.data).where(
            Event.store_id == store_id,
            Event.id.in_(event_ids),
            Event.type == "inventory.changed",
        )
    ).all()
    now = utcnow()
    above = [d["variant_id"] for d in data if int(d["available"]) > int(d.get("threshold") or 0)]
    if above:
        untag_restocked(store, above, now)
    if any(int(d["available"]) > 0 for d in data):
        show_restocked(store, now)
    db.session.commit()
