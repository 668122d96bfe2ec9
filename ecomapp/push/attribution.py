"""Credit an order to the customer's latest clicked push within the store's attribution window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail.effective_settings import effective_settings
from ecomapp.models import Event, Order, PushMessage, Store
from ecomapp.models.types import as_utc


def attribute_order(store: Store, order: Order) -> PushMessage | None:
    """Record the clicked push that earned this order, if any; an order is credited once."""
    placed = as_utc(order.placed_at or order.platform_created_at)
    if placed is None or order.customer_id is None or order.cancelled_at is not None:
        return None
    taken = select(PushMessage.id).where(
        PushMessage.store_id == store.id, PushMessage.order_id == order.id
    )
    if db.session.scalar(taken) is not None:
        return None
    since = placed - timedelta(days=effective_settings(store).attribution_days)
    push = db.session.scalar(
        select(PushMessage)
        .where(
            PushMessage.store_id == store.id,
            PushMessage.customer_id == order.customer_id,
            PushMessage.order_id.is_(None),
            PushMessage.clicked_at >= since,
            PushMessage.clicked_at <= placed,
        )
        .order_by(PushMessage.clicked_at.desc())
        .limit(1)
    )
    if push is not None:
        push.order_id, push.revenue = order.id, order.total_price
    return push


def on_events(store_id: int, event_ids: list[int]) -> None:
    """Job: attribute the orders created in one store batch of events, one commit."""
    store = db.session.get(Store, store_id)
    events = db.session.scalars(
        select(Event).where(
            Event.store_id == store_id, Event.id.in_(event_ids), Event.type == "order.created"
        )
    ).all()
    for event in events:
        order = db.session.get(Order, event.subject_id) if event.subject_id else None
        if store is not None and order is not None and order.store_id == store_id:
            attribute_order(store, order)
    db.session.commit()
