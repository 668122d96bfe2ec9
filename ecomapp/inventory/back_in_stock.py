"""Back-in-stock requests: record who waits for a variant, notify them in order on restock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from ecomapp.extensions import db
from ecomapp.models import BackInStockRequest, Customer, Product, PushSubscription, Store, Variant
from ecomapp.models.types import utcnow

WAITING, NOTIFIED, EXPIRED = "waiting", "notified", "expired"
DEFAULT_EXPIRY_DAYS = 90
TEMPLATE = "back_in_stock"


@dataclass(frozen=True)
class Ask:
    """A shopper's request, as the storefront sent it (validated by the route)."""

    variant: Variant
    email: str | None
    subscription: PushSubscription | None
    consent_text: str
    source: str
    platform_customer_id: str | None = None


def expiry_days(store: Store) -> int:
    """Return after how many days a request lapses (store setting, 90 by default)."""
    try:
        return max(int(store.settings.get("back_in_stock_expiry_days", DEFAULT_EXPIRY_DAYS)), 1)
    except (TypeError, ValueError):
        return DEFAULT_EXPIRY_DAYS


def _customer_id(store: Store, ask: Ask) -> int | None:
    stmt = select(Customer.id).where(Customer.store_id == store.id)
    if ask.platform_customer_id:
        return db.session.scalar(stmt.where(Customer.platform_id == ask.platform_customer_id))
    if ask.email:
        return db.session.scalar(stmt.where(func.lower(Customer.email) == ask.email).limit(1))
    return None


def _same_waiting(store: Store, ask: Ask) -> BackInStockRequest | None:
    stmt = select(BackInStockRequest).where(
        BackInStockRequest.store_id == store.id,
        BackInStockRequest.variant_id == ask.variant.id,
        BackInStockRequest.status == WAITING,
    )
    if ask.email:
        stmt = stmt.where(BackInStockRequest.email == ask.email)
    elif ask.subscription is not None:
        stmt = stmt.where(BackInStockRequest.subscription_id == ask.subscription.id)
    return db.session.scalars(stmt.limit(1)).first()


def record_request(store: Store, ask: Ask, now: datetime | None = None) -> BackInStockRequest:
    """Record a request (a repeat of a waiting one returns it), with its consent wording."""
    existing = _same_waiting(store, ask)
    if existing is not None:
        return existing
    now = now or utcnow()
    channel = "both" if ask.email and ask.subscription else ("email" if ask.email else "push")
    row = BackInStockRequest(
        store_id=store.id,
        request_key=uuid.uuid4().hex,
        variant_id=ask.variant.id,
        product_id=ask.variant.product_id,
        customer_id=_customer_id(store, ask),
        email=ask.email,
        subscription_id=ask.subscription.id if ask.subscription else None,
        channel=channel,
        consent_text=ask.consent_text,
        source=ask.source,
        status=WAITING,
        created_at=now,
        expires_at=now + timedelta(days=expiry_days(store)),
    )
    db.session.add(row)
    db.session.flush()
    return row


def _live(store_id: int, now: datetime) -> Any:
    return (
        (BackInStockRequest.store_id == store_id)
        & (BackInStockRequest.status == WAITING)
        & (BackInStockRequest.expires_at > now)
    )


def waiting_counts(store_id: int, variant_ids: list[int]) -> dict[int, int]:
    """Return how many shoppers wait for each variant (the demand signal); absent means 0."""
    if not variant_ids:
        return {}
    stmt = (
        select(BackInStockRequest.variant_id, func.count())
        .where(_live(store_id, utcnow()), BackInStockRequest.variant_id.in_(variant_ids))
        .group_by(BackInStockRequest.variant_id)
    )
    return {variant_id: int(n) for variant_id, n in db.session.execute(stmt)}


def product_waiting(store_id: int, limit: int = 200) -> list[tuple[Product, int]]:
    """Return the store's products with waiting shoppers, most waited-for first."""
    counts = (
        select(BackInStockRequest.product_id, func.count().label("n"))
        .where(_live(store_id, utcnow()))
        .group_by(BackInStockRequest.product_id)
        .subquery()
    )
    stmt = (
        select(Product, counts.c.n)
        .join(counts, counts.c.product_id == Product.id)
        .where(Product.store_id == store_id)
        .order_by(counts.c.n.desc(), Product.title)
        .limit(limit)
    )
    return [(product, int(n)) for product, n in db.session.execute(stmt)]


def expire_requests(now: datetime | None = None) -> int:
    """Mark requests past their expiry as expired (periodic); return how many."""
    now = now or utcnow()
    result = db.session.execute(
        update(BackInStockRequest)
        .where(BackInStockRequest.status == WAITING, BackInStockRequest.expires_at <= now)
        .values(status=EXPIRED)
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
