"""Credit an order to the customer's latest clicked push within the store's attribution window.

A batch of orders is credited with three queries (its orders, the pushes already holding one of
them, the customers' unclaimed clicks in the window), not three per order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail.effective_settings import effective_settings
from ecomapp.models import Event, Order, PushMessage, Store
from ecomapp.models.types import as_utc


def attribute_order(store: Store, order: Order) -> PushMessage | None:
    """Record the clicked push that earned this order, if any; an order is credited once."""
    return attribute_orders(store, [order]).get(order.id)


def _placed(order: Order) -> datetime | None:
    return as_utc(order.placed_at or order.platform_created_at)


def attribute_orders(store: Store, orders: Sequence[Order]) -> dict[int, PushMessage]:
    """Credit each order (in the given order) to its customer's latest unclaimed click."""
    eligible = [
        o for o in orders if o.customer_id is not None and not o.cancelled_at and _placed(o)
    ]
    if not eligible:
        return {}
    ids = [o.id for o in eligible]
    taken = set(
        db.session.scalars(
            select(PushMessage.order_id).where(
                PushMessage.store_id == store.id, PushMessage.order_id.in_(ids)
            )
        )
    )
    window = timedelta(days=effective_settings(store).attribution_days)
    clicks = _clicks(store, eligible, window)
    credited: dict[int, PushMessage] = {}
    for order in eligible:
        placed = _placed(order)
        if order.id in taken or placed is None:
            continue
        push = next(
            (
                p
                for p in clicks.get(order.customer_id or 0, [])
                if p.order_id is None and placed - window <= as_utc(p.clicked_at) <= placed  # type: ignore[operator]
            ),
            None,
        )
        if push is not None:
            push.order_id, push.revenue = order.id, order.total_price
            credited[order.id] = push
    return credited


def _clicks(store: Store, orders: list[Order], window: timedelta) -> dict[int, list[PushMessage]]:
    """Return the orders' customers' unclaimed clicks that any of them could earn, latest first."""
    placed = [p for p in map(_placed, orders) if p is not None]
    stmt = (
        select(PushMessage)
        .where(
            PushMessage.store_id == store.id,
            PushMessage.customer_id.in_(sorted({o.customer_id for o in orders})),
            PushMessage.order_id.is_(None),
            PushMessage.clicked_at >= min(placed) - window,
            PushMessage.clicked_at <= max(placed),
        )
        .order_by(PushMessage.clicked_at.desc(), PushMessage.id.desc())
    )
    out: dict[int, list[PushMessage]] = defaultdict(list)
    for push in db.session.scalars(stmt):
        out[push.customer_id or 0].append(push)
    return out


def on_events(store_id: int, event_ids: list[int]) -> None:
    """Job: attribute the orders created in one store batch of events, one commit."""
    store = db.session.get(Store, store_id)
    if store is not None:
        stmt = (
            select(Order)
            .join(Event, Event.subject_id == Order.id)
            .where(
                Event.store_id == store_id,
                Event.id.in_(event_ids),
                Event.type == "order.created",
                Order.store_id == store_id,
            )
            .order_by(Event.id)
        )
        attribute_orders(store, list(dict.fromkeys(db.session.scalars(stmt))))
    db.session.commit()
