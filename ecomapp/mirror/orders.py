"""Upsert orders with lines and addresses; emit order events on each transition."""

from __future__ import annotations

from sqlalchemy import select

from ecomapp.events import emit
from ecomapp.extensions import db
from ecomapp.mirror.customers import apply_customer, customer_facts, refresh_aggregates
from ecomapp.mirror.freshness import is_stale, stamp
from ecomapp.mirror.records import OrderRecord
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
PAID_STATUSES = {"paid", "partially_refunded", "refunded"}


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
    order = find_order(store, rec.platform_id)
    created = order is None
    if order is None:
        order = Order(store_id=store.id, platform_id=rec.platform_id, tags=[])
        db.session.add(order)
    elif is_stale(order.platform_updated_at, rec.updated_at):
        return order
    before = (order.financial_status, order.cancelled_at, order.fulfillment_status)
    customer = apply_customer(store, rec.customer) if rec.customer else None
    _copy(store, order, rec, customer)
    db.session.flush()
    _emit_transitions(store, order, rec, created, before)
    if customer is not None:
        _refresh_customer(store, customer)
    _convert_cart(store, order)
    return order


def _copy(store: Store, order: Order, rec: OrderRecord, customer: Customer | None) -> None:
    for name in _COPIED:
        setattr(order, name, getattr(rec, name))
    if rec.tags is not None:
        order.tags = normalize_tags(rec.tags)
    for name in ("payment_failures", "payment_card"):  # absent from most later payloads
        if getattr(rec, name) is not None:
            setattr(order, name, getattr(rec, name))
    order.customer_id = customer.id if customer else order.customer_id
    order.email = rec.email or (customer.email if customer else None)
    order.platform_created_at = order.platform_created_at or rec.placed_at
    order.platform_updated_at = rec.updated_at or order.platform_updated_at
    if order.id is not None:  # delete old lines/addresses first: (order_id, kind) is unique
        order.line_items.clear()
        order.addresses.clear()
        db.session.flush()
    order.line_items = [
        LineItem(store_id=store.id, **{k: getattr(li, k) for k in li.__dataclass_fields__})
        for li in rec.lines
    ]
    if order.addresses:  # delete the old rows first: (order_id, kind) is unique
        order.addresses = []
        db.session.flush()
    order.addresses = [
        Address(store_id=store.id, **{k: getattr(a, k) for k in a.__dataclass_fields__})
        for a in rec.addresses
    ]


def _emit_transitions(
    store: Store, order: Order, rec: OrderRecord, created: bool, before: tuple[object, ...]
) -> None:
    facts = order_facts(order)
    pid, version = rec.platform_id, stamp(rec.updated_at)
    was_paid = before[0] in PAID_STATUSES
    if created:
        emit(
            store.id,
            "order.created",
            "order",
            order.id,
            facts,
            f"order.created:{pid}",
            rec.placed_at,
        )
    if order.financial_status in PAID_STATUSES and (created or not was_paid):
        emit(store.id, "order.paid", "order", order.id, facts, f"order.paid:{pid}", rec.paid_at)
    if order.cancelled_at and not before[1]:
        emit(
            store.id,
            "order.cancelled",
            "order",
            order.id,
            facts,
            f"order.cancelled:{pid}",
            rec.cancelled_at,
        )
    if order.financial_status == "refunded" and before[0] != "refunded":
        emit(
            store.id,
            "order.refunded",
            "order",
            order.id,
            facts,
            f"order.refunded:{pid}",
            rec.updated_at,
        )
    if order.fulfillment_status == "fulfilled" and before[2] != "fulfilled":
        emit(
            store.id,
            "order.fulfilled",
            "order",
            order.id,
            facts,
            f"order.fulfilled:{pid}",
            rec.updated_at,
        )
    if not created:
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
