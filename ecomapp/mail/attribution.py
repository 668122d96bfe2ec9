"""Credit an order to the latest open or click of the buyer's e-mail within the window.

Orders are credited a batch at a time: one query for the batch's orders not yet credited, one
for the recipients' touches in the batch's window, one multi-row insert that ignores orders
another job credited meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select

from ecomapp.automation.tallies import upsert
from ecomapp.extensions import affected, db
from ecomapp.mail.effective_settings import effective_settings
from ecomapp.models import Attribution, Event, Message, Order, Store, TrackingEvent, TrackingKind
from ecomapp.models.types import as_utc, utcnow

TOUCHES = (TrackingKind.OPEN.value, TrackingKind.CLICK.value)
CHUNK = 500


def attribute_order(store: Store, order: Order) -> Attribution | None:
    """Record which message (and automation) earned this order, if any; once per order."""
    attribute_orders(store, [order.id])
    return db.session.scalar(
        select(Attribution).where(
            Attribution.store_id == store.id, Attribution.order_id == order.id
        )
    )


def attribute_orders(store: Store, order_ids: list[int]) -> int:
    """Credit each of the store's orders to its latest touch, if any; return rows written."""
    days = effective_settings(store).attribution_days
    written = 0
    for start in range(0, len(order_ids), CHUNK):
        orders = _uncredited(store, order_ids[start : start + CHUNK])
        if not orders:
            continue
        touches = _touches(store, orders, timedelta(days=days))
        index = _by_recipient(touches)
        rows = [_row(store, o, t) for o in orders if (t := _latest(o, index, days)) is not None]
        if rows:
            stmt = upsert(Attribution.__table__).on_conflict_do_nothing(
                index_elements=["store_id", "order_id"]
            )
            written += affected(db.session.execute(stmt, rows)) or 0
    return written


def _uncredited(store: Store, ids: list[int]) -> list[Any]:
    """Return the orders (plain rows with a UTC `placed`) that can earn and have no credit."""
    o = Order
    credited = select(Attribution.id).where(
        Attribution.store_id == store.id, Attribution.order_id == o.id
    )
    rows = db.session.execute(
        select(
            o.id,
            o.customer_id,
            o.email,
            o.total_price,
            o.currency,
            func.coalesce(o.placed_at, o.platform_created_at).label("placed"),
        ).where(o.store_id == store.id, o.id.in_(ids), o.cancelled_at.is_(None), ~credited.exists())
    ).all()
    return [row for row in rows if row.placed is not None and (row.customer_id or row.email)]


def _touches(store: Store, orders: list[Any], window: timedelta) -> Sequence[Any]:
    """Return the touches of the orders' recipients within the batch's window."""
    placed = [as_utc(o.placed) for o in orders]
    customers = {o.customer_id for o in orders if o.customer_id is not None}
    emails = {o.email.lower() for o in orders if o.email}
    recipient = []
    if customers:
        recipient.append(Message.customer_id.in_(customers))
    if emails:
        recipient.append(func.lower(Message.to_email).in_(emails))
    return db.session.execute(
        select(
            TrackingEvent.id.label("touch_id"),
            TrackingEvent.kind,
            TrackingEvent.created_at,
            Message.id,
            Message.automation_id,
            Message.customer_id,
            func.lower(Message.to_email).label("email"),
        )
        .join(Message, Message.id == TrackingEvent.message_id)
        .where(
            TrackingEvent.store_id == store.id,
            Message.store_id == store.id,
            TrackingEvent.kind.in_(TOUCHES),
            TrackingEvent.created_at >= min(placed) - window,
            TrackingEvent.created_at <= max(placed),
            or_(*recipient),
        )
    ).all()


def _by_recipient(touches: Sequence[Any]) -> dict[Any, list[Any]]:
    """Index touches by ("c", customer id) and ("e", lower-case address)."""
    index: dict[Any, list[Any]] = defaultdict(list)
    for touch in touches:
        if touch.customer_id is not None:
            index["c", touch.customer_id].append(touch)
        if touch.email:
            index["e", touch.email].append(touch)
    return index


def _latest(order: Any, index: dict[Any, list[Any]], days: int) -> Any | None:
    """Return the order's latest touch within its own window, by time then id."""
    placed = as_utc(order.placed)
    since = placed - timedelta(days=days)
    mine = index.get(("c", order.customer_id), []) if order.customer_id is not None else []
    if order.email:
        mine = mine + index.get(("e", order.email.lower()), [])
    fits = [t for t in mine if since <= as_utc(t.created_at) <= placed]
    return max(fits, key=lambda t: (as_utc(t.created_at), t.touch_id), default=None)


def _row(store: Store, order: Any, touch: Any) -> dict[str, Any]:
    return {
        "store_id": store.id,
        "order_id": order.id,
        "message_id": touch.id,
        "automation_id": touch.automation_id,
        "touch": touch.kind,
        "revenue": order.total_price,
        "currency": order.currency,
        "placed_at": as_utc(order.placed),
        "created_at": utcnow(),
    }


def on_orders_created(store_id: int, events: list[Event]) -> None:
    """Attribute the orders of a batch's `order.created` events."""
    store = db.session.get(Store, store_id)
    ids = [e.subject_id for e in events if e.subject_id and e.store_id == store_id]
    if store is not None and ids:
        attribute_orders(store, ids)


def on_order_created(event: Event) -> None:
    """Attribute a newly created order."""
    on_orders_created(event.store_id, [event])
