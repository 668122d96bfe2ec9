"""Event subscribers and the periodic sweeper of the mailer."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from ecomapp.extensions import db
from ecomapp.jobs import enqueue_after_commit
from ecomapp.models import Event, Message, MessageStatus, utcnow

STALE_PENDING = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(days=2)  # older stuck rows are left for the merchant to see
SWEEP_BATCH = 500


def on_events(store_id: int, event_ids: list[int]) -> None:
    """Job: route one store batch's events the mailer cares about, in order, one commit."""
    events = db.session.scalars(
        select(Event).where(Event.store_id == store_id, Event.id.in_(event_ids)).order_by(Event.id)
    ).all()
    from ecomapp.mail.attribution import on_orders_created

    for event in events:
        if event.type != "order.created":
            _route(event)
    on_orders_created(store_id, [e for e in events if e.type == "order.created"])
    db.session.commit()


def on_event(event_id: int) -> None:
    """Route one canonical event (jobs queued per event before batches existed)."""
    event = db.session.get(Event, event_id)
    if event is not None:
        _route(event)


def _route(event: Event) -> None:
    from ecomapp.mail.attribution import on_order_created
    from ecomapp.mail.consent import on_consent_changed

    if event.type == "order.created":
        on_order_created(event)
    elif event.type == "customer.consent_changed":
        on_consent_changed(event)


def sweep_messages() -> int:
    """Re-enqueue deliveries whose job was lost: stale pending and interrupted `sending` rows."""
    from ecomapp.mail.delivery import deliver_message

    now = utcnow()
    timeout = timedelta(seconds=current_app.config["SETTINGS"].mail_send_timeout)
    stale = or_(
        (Message.status == MessageStatus.PENDING.value)
        & (Message.created_at <= now - STALE_PENDING)
        & (Message.created_at >= now - GIVE_UP_AFTER)
        & (Message.scheduled_for.is_(None) | (Message.scheduled_for <= now - STALE_PENDING)),
        (Message.status == MessageStatus.SENDING.value) & (Message.sending_at <= now - timeout),
    )
    rows = db.session.execute(
        select(Message.id, Message.store_id)
        .where(stale, Message.campaign_send_id.is_(None))  # campaigns settle their own rows
        .limit(SWEEP_BATCH)
    ).all()
    for message_id, store_id in rows:
        enqueue_after_commit(deliver_message, message_id, store_id=store_id)
    db.session.commit()
    return len(rows)
