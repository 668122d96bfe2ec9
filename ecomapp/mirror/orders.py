"""Upsert orders with lines and addresses; emit order events on each transition."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import cast

from sqlalchemy import select

from ecomapp.events import emit
from ecomapp.events.order_rules import PAID_STATUSES, OrderState, fired
from ecomapp.extensions import db
from ecomapp.mirror.customers import apply_customer, customer_facts, refresh_aggregates
from ecomapp.mirror.freshness import is_stale, stamp
from ecomapp.mirror.records import AddressRecord, CustomerRecord, LineRecord, OrderRecord
from ecomapp.mirror.upsert import upsert_row
from ecomapp.models import Address, Cart, Customer, LineItem, Order, Store
from ecomapp.models.types import normalize_tags

_COPIED = (
    "name",
    "email",
    "currency",
    "subtotal_price",
    "total_price",
    "total_discounts",
    "total_tax",
    "total_refunded",
    "financial_status",
    "fulfillment_status",
    "status",
    "gateway",
    "shipping_method",
    "client_ip",
    "note",
    "cart_token",
    "placed_at",
    "paid_at",
    "cancelled_at",
    "cancel_reason",
)
__all__ = ["PAID_STATUSES", "apply_order", "find_order", "order_facts"]


def find_order(store: Store, platform_id: str) -> Order | None:
    """Return the store's order with this platform id."""
    return db.session.scalar(
        select(Order).where(Order.store_id == store.id, Order.platform_id == platform_id)
    )


def order_facts(order: Order) -> dict[str, object]:
    """Return the platform-neutral facts an order event carries."""
    shipping = order.address("shipping")
    billing = order.address("billing")
    return {
        "order_id": order.id,
        "name": order.name,
        "customer_id": order.customer_id,
        "email": order.email,
        "currency": order.currency,
        "total_price": str(order.total_price),
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "status": order.status,
        "gateway": order.gateway,
        "shipping_method": order.shipping_method,
        "tags": list(order.tags),
        "line_count": len(order.line_items),
        "vendors": sorted({li.vendor for li in order.line_items if li.vendor}),
        "shipping_country": shipping.country_code if shipping else None,
        "billing_country": billing.country_code if billing else None,
    }


def apply_order(store: Store, rec: OrderRecord) -> Order:
    """Upsert an order from a record, refresh its customer, emit what changed."""
    order, created = upsert_row(Order, store.id, rec.platform_id)
    if not created and is_stale(order.platform_updated_at, rec.updated_at):
        return order
    before = (order.financial_status, order.cancelled_at, order.fulfillment_status)
    seen = None if created else fingerprint(order)
    customer = apply_customer(store, order_customer(rec), from_order=True) if rec.customer else None
    _copy(store, order, rec, customer)
    db.session.flush()
    changed = created or fingerprint(order) != seen
    _emit_transitions(store, order, rec, created, before, changed)
    if customer is not None:
        _refresh_customer(store, customer)
    _convert_cart(store, order)
    return order


def order_customer(rec: OrderRecord) -> CustomerRecord:
    """Return the order's customer facts dated by the order: never newer than the order itself."""
    assert rec.customer is not None
    order_at = rec.updated_at or rec.placed_at
    own = rec.customer.updated_at
    at = min(own, order_at) if own and order_at else (order_at or own)
    return dataclasses.replace(rec.customer, updated_at=at)


def fingerprint(order: Order) -> tuple[object, ...]:
    """Return everything the app reads of an order, to tell a real change from a re-send."""
    columns = tuple(getattr(order, name) for name in _COPIED)
    lines = tuple(_line_key(li) for li in order.line_items)
    addresses = tuple(_address_key(a) for a in order.addresses)
    codes = tuple(order.discount_codes or ())
    return (*columns, tuple(order.tags), codes, order.customer_id, lines, addresses)


def _line_key(line: LineItem | LineRecord) -> tuple[object, ...]:
    return tuple(getattr(line, name) for name in LineRecord.__dataclass_fields__)


def _address_key(address: Address | AddressRecord) -> tuple[object, ...]:
    return tuple(getattr(address, name) for name in AddressRecord.__dataclass_fields__)


def _copy(store: Store, order: Order, rec: OrderRecord, customer: Customer | None) -> None:
    paid_before = order.paid_at
    for name in _COPIED:
        setattr(order, name, getattr(rec, name))
    if rec.tags is not None:
        order.tags = normalize_tags(rec.tags)
    if rec.discount_codes is not None:
        order.discount_codes = normalize_tags(rec.discount_codes)
    # Absent from most later payloads: kept until a payload says otherwise.
    for name in ("payment_failures", "payment_card", "fraud_evidence"):
        if getattr(rec, name) is not None:
            setattr(order, name, getattr(rec, name))
    order.customer_id = customer.id if customer else order.customer_id
    order.email = rec.email or (customer.email if customer else None)
    order.paid_at = paid_time(order, rec, paid_before)
    order.placed_at = order.placed_at or rec.updated_at
    order.platform_created_at = order.platform_created_at or rec.placed_at
    order.platform_updated_at = rec.updated_at or order.platform_updated_at
    if [_line_key(li) for li in order.line_items] != [_line_key(li) for li in rec.lines]:
        order.line_items.clear()
        db.session.flush()
        order.line_items = [
            LineItem(store_id=store.id, **{k: getattr(li, k) for k in li.__dataclass_fields__})
            for li in rec.lines
        ]
    if [_address_key(a) for a in order.addresses] != [_address_key(a) for a in rec.addresses]:
        order.addresses.clear()  # delete the old rows first: (order_id, kind) is unique
        db.session.flush()
        order.addresses = [
            Address(store_id=store.id, **{k: getattr(a, k) for k in a.__dataclass_fields__})
            for a in rec.addresses
        ]


def paid_time(order: Order, rec: OrderRecord, paid_before: datetime | None) -> datetime | None:
    """Return when the order was paid: the platform's time, else a time from the order itself.

    Cash on delivery and other manual payments carry no paid time (WooCommerce leaves
    date_paid empty for COD in processing); the order's version time stands in for it, never
    the clock of the worker that happens to apply it.
    """
    if order.financial_status not in PAID_STATUSES:
        return None
    return rec.paid_at or paid_before or rec.updated_at or rec.placed_at


def _emit_transitions(
    store: Store,
    order: Order,
    rec: OrderRecord,
    created: bool,
    before: tuple[object, ...],
    changed: bool,
) -> None:
    facts = order_facts(order)
    pid, version = rec.platform_id, stamp(rec.updated_at)
    after = OrderState(
        order.financial_status, order.cancelled_at is not None, order.fulfillment_status
    )
    status, cancelled, fulfillment = before if not created else (None, None, None)
    earlier = OrderState(
        cast(str | None, status), cancelled is not None, cast(str | None, fulfillment)
    )
    firing = fired(None if created else earlier, after)
    if "order.created" in firing:
        emit(
            store.id,
            "order.created",
            "order",
            order.id,
            facts,
            f"order.created:{pid}",
            order.placed_at,
        )
    if "order.paid" in firing:
        emit(store.id, "order.paid", "order", order.id, facts, f"order.paid:{pid}", order.paid_at)
    if "order.cancelled" in firing:
        emit(
            store.id,
            "order.cancelled",
            "order",
            order.id,
            facts,
            f"order.cancelled:{pid}",
            rec.cancelled_at,
        )
    if "order.refunded" in firing:
        emit(
            store.id,
            "order.refunded",
            "order",
            order.id,
            facts,
            f"order.refunded:{pid}",
            rec.updated_at,
        )
    if "order.fulfilled" in firing:
        emit(
            store.id,
            "order.fulfilled",
            "order",
            order.id,
            facts,
            f"order.fulfilled:{pid}",
            rec.updated_at,
        )
    if "order.updated" in firing and changed:  # a re-send with nothing new is no update
        emit(
            store.id,
            "order.updated",
            "order",
            order.id,
            facts,
            f"order.updated:{pid}:{version}",
            rec.updated_at,
        )


def _refresh_customer(store: Store, customer: Customer) -> None:
    previous = refresh_aggregates(store, customer)
    if previous != customer.total_spent:
        data = customer_facts(customer) | {"previous_total_spent": str(previous)}
        key = f"customer.spend:{customer.platform_id}:{previous}->{customer.total_spent}"
        key += f":{customer.orders_count}"
        emit(store.id, "customer.spend_changed", "customer", customer.id, data, key)


def _convert_cart(store: Store, order: Order) -> None:
    if not order.cart_token:
        return
    cart = db.session.scalar(
        select(Cart).where(Cart.store_id == store.id, Cart.platform_id == order.cart_token)
    )
    if cart is None or cart.converted_order_id is not None:
        return
    cart.converted_order_id = order.id
    emit(
        store.id,
        "cart.converted",
        "cart",
        cart.id,
        {"cart_id": cart.id, "order_id": order.id, "email": cart.email},
        f"cart.converted:{cart.platform_id}",
    )
