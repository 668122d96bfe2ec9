"""Credit an order to the latest open or click of the buyer's e-mail within the window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ecomapp.extensions import db
from ecomapp.mail.effective_settings import effective_settings
from ecomapp.models import (
    Attribution,
    Event,
    Message,
    Order,
    Store,
    TrackingEvent,
    TrackingKind,
)
from ecomapp.models.types import as_utc

TOUCHES = (TrackingKind.OPEN.value, TrackingKind.CLICK.value)


def attribute_order(store: Store, order: Order) -> Attribution | None:
    """Record which message (and automation) earned this order, if any; once per order."""
    placed = as_utc(order.placed_at or order.platform_created_at)
    if placed is None or order.cancelled_at is not None:
        return None
    existing = db.session.scalar(
        select(Attribution).where(
            Attribution.store_id == store.id, Attribution.order_id == order.id
        )
    )
    if existing is not None:
        return existing
    touch = _latest_touch(store, order, placed, effective_settings(store).attribution_days)
    if touch is None:
        return None
    event, message = touch
    row = Attribution(
        store_id=store.id,
        order_id=order.id,
        message_id=message.id,
        automation_id=message.automation_id,
        touch=event.kind,
        revenue=order.total_price,
        currency=order.currency,
        placed_at=placed,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return None
    return row


def _latest_touch(
    store: Store, order: Order, placed: object, days: int
) -> tuple[TrackingEvent, Message] | None:
    recipient = []
    if order.customer_id is not None:
        recipient.append(Message.customer_id == order.customer_id)
    if order.email:
        recipient.append(func.lower(Message.to_email) == order.email.lower())
    if not recipient:
        return None
    since = placed - timedelta(days=days)  # type: ignore[operator]
    row = db.session.execute(
        select(TrackingEvent, Message)
        .join(Message, Message.id == TrackingEvent.message_id)
        .where(
            TrackingEvent.store_id == store.id,
            Message.store_id == store.id,
            TrackingEvent.kind.in_(TOUCHES),
            TrackingEvent.created_at >= since,
            TrackingEvent.created_at <= placed,
            or_(*recipient),
        )
        .order_by(TrackingEvent.created_at.desc(), TrackingEvent.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def on_order_created(event: Event) -> None:
    """Attribute a newly created order."""
    store = db.session.get(Store, event.store_id)
    order = db.session.get(Order, event.subject_id) if event.subject_id else None
    if store is None or order is None or order.store_id != store.id:
        return
    attribute_order(store, order)
