"""Consent: one-click unsubscribe, pushing consent to the platform, honouring re-subscribes."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.jobs import PermanentError, enqueue_after_commit
from ecomapp.mail.suppressions import lift, suppress
from ecomapp.mail.tracking import record
from ecomapp.models import (
    Customer,
    Event,
    Message,
    Store,
    Suppression,
    SuppressionReason,
    TrackingKind,
    utcnow,
)
from ecomapp.models.types import as_utc

log = logging.getLogger(__name__)


def unsubscribe(message: Message) -> bool:
    """Unsubscribe a message's recipient from marketing; False when already done (idempotent)."""
    store = db.session.get(Store, message.store_id)
    assert store is not None
    if not suppress(store, message.to_email, SuppressionReason.UNSUBSCRIBE, message.id):
        return False
    record(message, TrackingKind.UNSUBSCRIBE)
    for customer in _customers(store, message):
        if customer.accepts_marketing:
            customer.accepts_marketing = False
            customer.marketing_updated_at = utcnow()
            enqueue_after_commit(push_consent, customer.id, False, store_id=store.id)
    return True


def _customers(store: Store, message: Message) -> list[Customer]:
    match = func.lower(Customer.email) == message.to_email.strip().lower()
    if message.customer_id is not None:
        match = match | (Customer.id == message.customer_id)
    return list(db.session.scalars(select(Customer).where(Customer.store_id == store.id, match)))


def push_consent(customer_id: int, subscribed: bool) -> None:
    """Tell the customer's platform about their marketing consent."""
    from ecomapp.platforms.base import UnsupportedOperation
    from ecomapp.platforms.registry import get_adapter

    customer = db.session.get(Customer, customer_id)
    if customer is None:
        return
    store = db.session.get(Store, customer.store_id)
    if store is None or not store.is_active:
        return
    try:
        get_adapter(store.platform).set_marketing_consent(store, customer.platform_id, subscribed)
    except UnsupportedOperation as exc:
        raise PermanentError(str(exc)) from exc


def on_consent_changed(event: Event) -> None:
    """Lift an unsubscribe when the platform reports a newer opt-in for that customer."""
    if not event.data.get("accepts_marketing") or not event.data.get("email"):
        return
    store = db.session.get(Store, event.store_id)
    if store is None:
        return
    older = db.session.scalar(
        select(func.max(Suppression.created_at)).where(
            Suppression.store_id == store.id,
            Suppression.email == str(event.data["email"]).lower(),
            Suppression.reason == SuppressionReason.UNSUBSCRIBE.value,
        )
    )
    occurred = as_utc(event.occurred_at)
    if older is not None and occurred is not None and occurred > as_utc(older):
        lift(store, str(event.data["email"]), SuppressionReason.UNSUBSCRIBE)
        log.info("store %s: %s opted in again, unsubscribe lifted", store.id, event.data["email"])
