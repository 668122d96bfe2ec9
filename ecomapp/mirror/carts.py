"""Upsert carts and derive cart.abandoned when a cart goes quiet."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ecomapp.events import emit
from ecomapp.extensions import db
from ecomapp.mirror.customers import apply_customer
from ecomapp.mirror.freshness import is_stale, stamp
from ecomapp.mirror.records import CartRecord
from ecomapp.mirror.upsert import upsert_row
from ecomapp.models import Cart, Customer, Store
from ecomapp.models.types import utcnow

DEFAULT_ABANDON_MINUTES = 60


def cart_facts(cart: Cart) -> dict[str, object]:
    """Return the platform-neutral facts a cart event carries."""
    return {
        "cart_id": cart.id,
        "email": cart.email,
        "customer_id": cart.customer_id,
        "total_price": str(cart.total_price),
        "currency": cart.currency,
        "item_count": sum(int(i.get("quantity", 1)) for i in cart.items),
        "recovery_url": cart.recovery_url,
    }


def apply_cart(store: Store, rec: CartRecord) -> Cart:
    """Upsert a cart; a newer activity clears a previous abandonment.

    The customer is locked before the cart, as an order locks its customer before converting
    the cart, so concurrent deliveries never wait on each other in a circle.
    """
    customer = _cart_customer(store, rec)
    cart, created = upsert_row(Cart, store.id, rec.platform_id)
    if not created and is_stale(cart.platform_updated_at, rec.updated_at):
        return cart
    cart.customer_id = customer.id if customer else cart.customer_id
    cart.email = rec.email or cart.email
    cart.items, cart.total_price, cart.currency = rec.items, rec.total_price, rec.currency
    cart.recovery_url = rec.recovery_url or cart.recovery_url
    cart.platform_created_at = cart.platform_created_at or rec.created_at
    cart.platform_updated_at = rec.updated_at or cart.platform_updated_at
    cart.last_activity_at = rec.updated_at or utcnow()
    cart.abandoned_at = None
    db.session.flush()
    emit(
        store.id,
        "cart.updated",
        "cart",
        cart.id,
        cart_facts(cart),
        f"cart.updated:{rec.platform_id}:{stamp(cart.last_activity_at)}",
        cart.last_activity_at,
    )
    return cart


def _cart_customer(store: Store, rec: CartRecord) -> Customer | None:
    """Apply what a cart says about its shopper, dated by the cart (never fresher than it)."""
    if rec.customer is None:
        return None
    own, cart_at = rec.customer.updated_at, rec.updated_at
    at = min(own, cart_at) if own and cart_at else (cart_at or own)
    return apply_customer(store, dataclasses.replace(rec.customer, updated_at=at), from_order=True)


def sweep_abandoned(now: datetime | None = None) -> int:
    """Emit cart.abandoned for carts with items quiet longer than their store's threshold.

    A cart without items is never abandoned, whatever e-mail it carries.
    """
    now = now or utcnow()
    count = 0
    for store in db.session.scalars(select(Store).where(Store.uninstalled_at.is_(None))):
        minutes = int(store.settings.get("abandon_after_minutes", DEFAULT_ABANDON_MINUTES))
        quiet = db.session.scalars(
            select(Cart).where(
                Cart.store_id == store.id,
                Cart.converted_order_id.is_(None),
                Cart.abandoned_at.is_(None),
                Cart.email.is_not(None),
                func.json_array_length(Cart.items) > 0,
                Cart.last_activity_at <= now - timedelta(minutes=minutes),
            )
        ).all()
        for cart in quiet:
            cart.abandoned_at = now
            emit(
                store.id,
                "cart.abandoned",
                "cart",
                cart.id,
                cart_facts(cart),
                f"cart.abandoned:{cart.platform_id}:{stamp(cart.last_activity_at)}",
                now,
            )
            count += 1
    db.session.commit()
    return count
