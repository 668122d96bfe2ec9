"""Web Push subscriptions from the storefront: one per endpoint, removed when gone."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import or_, select

from ecomapp.extensions import db
from ecomapp.models import Customer, PushSubscription, Store
from ecomapp.models.types import utcnow
from ecomapp.outbound import private_allowed


class BadSubscription(ValueError):
    """A subscription object the browser could not have sent; the message names the field."""


def parse_subscription(raw: Any) -> dict[str, str]:
    """Return endpoint, p256dh and auth of a PushSubscription.toJSON() object, or refuse."""
    if not isinstance(raw, dict):
        raise BadSubscription("subscription: must be an object {endpoint, keys}")
    endpoint, keys = raw.get("endpoint"), raw.get("keys")
    schemes = ("https://", "http://") if private_allowed() else ("https://",)
    if not isinstance(endpoint, str) or not endpoint.startswith(schemes):
        raise BadSubscription("subscription.endpoint: must be an https URL")
    if len(endpoint) > 2000:
        raise BadSubscription("subscription.endpoint: too long")
    if not isinstance(keys, dict):
        raise BadSubscription("subscription.keys: must hold p256dh and auth")
    out = {"endpoint": endpoint}
    for name in ("p256dh", "auth"):
        value = keys.get(name)
        if not isinstance(value, str) or not value or len(value) > 255:
            raise BadSubscription(f"subscription.keys.{name}: is required")
        out[name] = value
    return out


def save_subscription(
    store: Store,
    fields: dict[str, str],
    consent_text: str,
    platform_customer_id: str | None = None,
    visitor_id: str | None = None,
) -> PushSubscription:
    """Insert or refresh the store's subscription for this endpoint; return it."""
    digest = hashlib.sha256(fields["endpoint"].encode()).hexdigest()
    row = db.session.scalar(
        select(PushSubscription).where(
            PushSubscription.store_id == store.id, PushSubscription.endpoint_hash == digest
        )
    )
    if row is None:
        row = PushSubscription(store_id=store.id, endpoint_hash=digest)
        db.session.add(row)
    row.endpoint, row.p256dh, row.auth = fields["endpoint"], fields["p256dh"], fields["auth"]
    row.consent_text, row.removed_at, row.removed_reason = consent_text, None, None
    row.visitor_id = visitor_id or row.visitor_id
    if platform_customer_id:
        row.platform_customer_id = platform_customer_id
        row.customer_id = db.session.scalar(
            select(Customer.id).where(
                Customer.store_id == store.id, Customer.platform_id == platform_customer_id
            )
        )
    db.session.flush()
    return row


def remove_subscription(row: PushSubscription, reason: str) -> None:
    """Mark a subscription gone (the push service said so); nothing is sent to it again."""
    row.removed_at = row.removed_at or utcnow()
    row.removed_reason = reason


def customer_subscriptions(
    store: Store, customer_id: int, platform_id: str | None = None
) -> list[PushSubscription]:
    """Return a customer's live subscriptions (also those made before the mirror knew them)."""
    mine = PushSubscription.customer_id == customer_id
    if platform_id:
        mine = or_(mine, PushSubscription.platform_customer_id == platform_id)
    stmt = select(PushSubscription).where(
        PushSubscription.store_id == store.id, mine, PushSubscription.removed_at.is_(None)
    )
    return list(db.session.scalars(stmt.order_by(PushSubscription.id)))
