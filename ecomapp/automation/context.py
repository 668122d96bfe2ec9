"""Load an event's objects and mirror facts into a plain snapshot that conditions read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ecomapp.automation.conditions import OBJECTS, PREVIOUS, Snapshot
from ecomapp.extensions import db
from ecomapp.mirror.products import low_stock_threshold
from ecomapp.models import (
    Cart,
    Customer,
    Event,
    Order,
    Product,
    Signup,
    Store,
    Suppression,
    SuppressionReason,
    Variant,
)


def load_snapshot(store: Store, event: Event) -> Snapshot:
    """Return the snapshot of an event: its objects as the mirror holds them now."""
    snap: Snapshot = {"event.type": event.type, OBJECTS: {}, PREVIOUS: _previous(event)}
    snap["event.segment"] = (event.data or {}).get("segment")  # segment entered or left
    snap[OBJECTS]["event"] = {"id": event.id, "type": event.type, "data": event.data}
    subject_type, subject_id = event.subject_type, event.subject_id
    if subject_type == "order" and subject_id:
        order = db.session.get(Order, subject_id)
        if order is not None and order.store_id == store.id:
            add_order(snap, order)
            add_customer(snap, order.customer)
    elif subject_type == "customer" and subject_id:
        add_customer(snap, _owned(store, Customer, subject_id))
    elif subject_type == "cart" and subject_id:
        cart = _owned(store, Cart, subject_id)
        if cart is not None:
            add_cart(snap, cart)
            add_customer(snap, _owned(store, Customer, cart.customer_id))
    elif subject_type == "variant" and subject_id:
        variant = _owned(store, Variant, subject_id)
        if variant is not None:
            add_variant(snap, variant, low_stock_threshold(store, variant))
    elif subject_type == "product" and subject_id:
        add_product(snap, _owned(store, Product, subject_id))
    elif subject_type == "signup" and subject_id:
        signup = _owned(store, Signup, subject_id)
        if signup is not None:
            add_signup(snap, signup, _owned(store, Customer, signup.customer_id))
    return snap


def _owned(store: Store, model: Any, row_id: int | None) -> Any:
    row = db.session.get(model, row_id) if row_id else None
    return row if row is not None and row.store_id == store.id else None


def _previous(event: Event) -> dict[str, Any]:
    data = event.data or {}
    if event.type == "inventory.changed":
        return {"variant.inventory_quantity": data.get("previous")}
    if event.type == "customer.spend_changed":
        return {"customer.total_spent": data.get("previous_total_spent")}
    if event.type == "customer.consent_changed":
        return {"customer.accepts_marketing": data.get("previous")}
    return {}


_ADDRESS_FIELDS = tuple(
    (f"order.{kind}_country", f"order.{kind}_city", f"order.{kind}_zip")
    for kind in ("shipping", "billing")
)


def add_order(snap: Snapshot, order: Order, earlier_orders: int | None = None) -> None:
    """Put an order's fields (lines, addresses, first-order flag) into the snapshot."""
    ship, bill = order.address("shipping"), order.address("billing")
    lines = order.line_items
    if earlier_orders is None:
        earlier_orders = _earlier_orders(order)
    snap.update(
        {
            "order.total_price": order.total_price,
            "order.subtotal_price": order.subtotal_price,
            "order.total_discounts": order.total_discounts,
            "order.total_refunded": order.total_refunded,
            "order.financial_status": order.financial_status,
            "order.fulfillment_status": order.fulfillment_status,
            "order.status": order.status,
            "order.gateway": order.gateway,
            "order.currency": order.currency,
            "order.shipping_method": order.shipping_method,
            "order.tags": list(order.tags),
            "order.cancelled": order.cancelled_at is not None or order.status == "cancelled",
        }
    )
    snap.update(_line_fields(lines))
    snap["order.address_mismatch"] = _mismatch(ship, bill)
    snap["order.first_order"] = earlier_orders == 0
    for (country, city, zip_code), addr in zip(_ADDRESS_FIELDS, (ship, bill), strict=True):
        snap[country] = addr.country_code if addr else None
        snap[city] = addr.city if addr else None
        snap[zip_code] = addr.zip if addr else None
    snap[OBJECTS]["order"] = {
        "id": order.id,
        "platform_id": order.platform_id,
        "name": order.name,
        "total_price": str(order.total_price),
        "currency": order.currency,
        "placed_at": order.placed_at.isoformat() if order.placed_at else None,
    }


def _line_fields(lines: Any) -> dict[str, Any]:
    """Return an order's line-item fields (at once when it has no lines, as backtests read it)."""
    if not lines:
        return {
            "order.line_count": 0,
            "order.item_quantity": 0,
            "order.line_items.title": [],
            "order.line_items.vendor": [],
            "order.line_items.product_type": [],
            "order.line_items.sku": [],
            "order.line_items.product_id": [],
        }
    return {
        "order.line_count": len(lines),
        "order.item_quantity": sum(li.quantity for li in lines),
        "order.line_items.title": [li.title for li in lines if li.title],
        "order.line_items.vendor": [li.vendor for li in lines if li.vendor],
        "order.line_items.product_type": [li.product_type for li in lines if li.product_type],
        "order.line_items.sku": [li.sku for li in lines if li.sku],
        "order.line_items.product_id": [li.product_platform_id for li in lines],
    }


def _mismatch(ship: Any, bill: Any) -> bool:
    if ship is None or bill is None:
        return False
    keys = ("country_code", "zip", "city")
    return any(_norm(getattr(ship, k)) != _norm(getattr(bill, k)) for k in keys)


def _norm(value: str | None) -> str:
    return (value or "").strip().lower()


def _earlier_orders(order: Order) -> int:
    if order.customer_id is None or order.placed_at is None:
        return 0
    return int(
        db.session.scalar(
            select(func.count(Order.id)).where(
                Order.store_id == order.store_id,
                Order.customer_id == order.customer_id,
                Order.placed_at < order.placed_at,
                Order.cancelled_at.is_(None),
            )
        )
        or 0
    )


def add_customer(snap: Snapshot, customer: Customer | None, **history: Any) -> None:
    """Put a customer's fields into the snapshot (history overrides spend facts)."""
    if customer is None:
        return
    for name in ("email", "kind", "has_account", "accepts_marketing", "country_code", "company"):
        snap[f"customer.{name}"] = getattr(customer, name)
    snap["customer.tags"] = list(customer.tags)
    snap["customer.orders_count"] = history.get("orders_count", customer.orders_count)
    snap["customer.total_spent"] = history.get("total_spent", customer.total_spent)
    snap["customer.first_order"] = snap["customer.orders_count"] <= 1
    snap[OBJECTS]["customer"] = {
        "id": customer.id,
        "platform_id": customer.platform_id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "name": customer.name,
    }


def add_signup(snap: Snapshot, signup: Signup, customer: Customer | None) -> None:
    """Put a newsletter signup and its customer (the mirror's, else the form's) in the snapshot."""
    snap["signup.source"] = signup.source
    snap["signup.interests"] = list(signup.interests or [])
    snap[OBJECTS]["signup"] = {"id": signup.id, "email": signup.email, "name": signup.name}
    snap[OBJECTS]["interests"] = list(signup.interests or [])
    if customer is not None:
        add_customer(snap, customer)
        return
    first, _, last = signup.name.strip().partition(" ")
    snap["customer.email"] = signup.email
    snap["customer.accepts_marketing"] = signup.status == "subscribed" and not _unsubscribed(signup)
    snap[OBJECTS]["customer"] = {
        "id": None,
        "platform_id": None,
        "email": signup.email,
        "first_name": first,
        "last_name": last.strip(),
        "name": signup.name,
    }


def _unsubscribed(signup: Signup) -> bool:
    """Return whether the signup's address unsubscribed from marketing since (one query)."""
    found = db.session.scalar(
        select(Suppression.id).where(
            Suppression.store_id == signup.store_id,
            Suppression.email == signup.email,
            Suppression.reason == SuppressionReason.UNSUBSCRIBE.value,
        )
    )
    return found is not None


def add_cart(snap: Snapshot, cart: Cart) -> None:
    """Put a cart's fields into the snapshot."""
    snap["cart.total_price"] = cart.total_price
    snap["cart.item_count"] = sum(int(i.get("quantity", 1)) for i in cart.items)
    snap["cart.converted"] = cart.converted_order_id is not None
    snap["cart.email"] = cart.email
    snap[OBJECTS]["cart"] = {
        "id": cart.id,
        "platform_id": cart.platform_id,
        "email": cart.email,
        "recovery_url": cart.recovery_url,
        "total_price": str(cart.total_price),
        "items": cart.items,
    }


def add_variant(snap: Snapshot, variant: Variant, threshold: int | None) -> None:
    """Put a variant (with its effective low-stock threshold) and its product into the snapshot."""
    snap["variant.inventory_quantity"] = variant.inventory_quantity
    snap["variant.low_stock_threshold"] = threshold
    snap["variant.sku"] = variant.sku
    snap[OBJECTS]["variant"] = {
        "id": variant.id,
        "platform_id": variant.platform_id,
        "sku": variant.sku,
        "title": variant.title,
        "inventory_quantity": variant.inventory_quantity,
        "low_stock_threshold": threshold,
    }
    add_product(snap, variant.product)


def add_product(snap: Snapshot, product: Product | None) -> None:
    """Put a product's fields into the snapshot."""
    if product is None:
        return
    for name in ("title", "vendor", "product_type", "status"):
        snap[f"product.{name}"] = getattr(product, name)
    snap["product.tags"] = list(product.tags)
    snap[OBJECTS]["product"] = {
        "id": product.id,
        "platform_id": product.platform_id,
        "title": product.title,
    }
