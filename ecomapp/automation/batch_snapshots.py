"""Snapshots for a batch of events, loaded with a few set-based queries instead of per event.

Each snapshot equals what `context.load_snapshot` returns for the event: the same builders
(`add_order`, `add_customer` …) fill it, only the rows arrive together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from ecomapp.automation.conditions import OBJECTS, Snapshot
from ecomapp.automation.context import (
    _previous,
    add_cart,
    add_customer,
    add_order,
    add_product,
    add_signup,
    add_variant,
)
from ecomapp.extensions import db
from ecomapp.mirror.products import low_stock_threshold
from ecomapp.models import Cart, Customer, Event, Order, Product, Signup, Store, Variant


def load_snapshots(store: Store, events: Iterable[Event]) -> dict[int, Snapshot]:
    """Return each event's snapshot by event id, the store's rows loaded per kind at once."""
    events = list(events)
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.subject_id:
            wanted[event.subject_type].add(event.subject_id)
    orders = _orders(store, wanted["order"])
    carts = _rows(store, Cart, wanted["cart"])
    signups = _rows(store, Signup, wanted["signup"])
    customer_ids = wanted["customer"] | {c.customer_id for c in carts.values() if c.customer_id}
    customer_ids |= {s.customer_id for s in signups.values() if s.customer_id}
    customers = _rows(store, Customer, customer_ids)
    variants = _variants(store, wanted["variant"])
    products = _rows(store, Product, wanted["product"])
    earlier = _earlier_orders(store, orders.values())
    return {
        e.id: _with_signup(
            _snapshot(store, e, orders, carts, customers, variants, products, earlier),
            e,
            signups,
            customers,
        )
        for e in events
    }


def _with_signup(
    snap: Snapshot, event: Event, signups: dict[int, Signup], customers: dict[int, Customer]
) -> Snapshot:
    signup = signups.get(event.subject_id or 0) if event.subject_type == "signup" else None
    if signup is not None:
        add_signup(snap, signup, customers.get(signup.customer_id or 0))
    return snap


def _snapshot(
    store: Store,
    event: Event,
    orders: dict[int, Order],
    carts: dict[int, Cart],
    customers: dict[int, Customer],
    variants: dict[int, Variant],
    products: dict[int, Product],
    earlier: dict[int, int],
) -> Snapshot:
    snap: Snapshot = {"event.type": event.type, OBJECTS: {}, "_previous": _previous(event)}
    snap["event.segment"] = (event.data or {}).get("segment")  # segment entered or left
    snap[OBJECTS]["event"] = {"id": event.id, "type": event.type, "data": event.data}
    kind, subject = event.subject_type, event.subject_id or 0
    if kind == "order" and subject in orders:
        order = orders[subject]
        add_order(snap, order, earlier_orders=earlier.get(order.id, 0))
        add_customer(snap, order.customer)
    elif kind == "customer":
        add_customer(snap, customers.get(subject))
    elif kind == "cart" and subject in carts:
        cart = carts[subject]
        add_cart(snap, cart)
        add_customer(snap, customers.get(cart.customer_id or 0))
    elif kind == "variant" and subject in variants:
        variant = variants[subject]
        add_variant(snap, variant, low_stock_threshold(store, variant))
    elif kind == "product":
        add_product(snap, products.get(subject))
    return snap


def _rows(store: Store, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    stmt = select(model).where(model.store_id == store.id, model.id.in_(sorted(ids)))
    return {row.id: row for row in db.session.scalars(stmt)}


def _orders(store: Store, ids: set[int]) -> dict[int, Order]:
    if not ids:
        return {}
    stmt = (
        select(Order)
        .where(Order.store_id == store.id, Order.id.in_(sorted(ids)))
        .options(
            selectinload(Order.line_items),
            selectinload(Order.addresses),
            selectinload(Order.customer),
        )
    )
    return {order.id: order for order in db.session.scalars(stmt)}


def _variants(store: Store, ids: set[int]) -> dict[int, Variant]:
    if not ids:
        return {}
    stmt = (
        select(Variant)
        .where(Variant.store_id == store.id, Variant.id.in_(sorted(ids)))
        .options(selectinload(Variant.product))
    )
    return {variant.id: variant for variant in db.session.scalars(stmt)}


def _earlier_orders(store: Store, orders: Iterable[Order]) -> dict[int, int]:
    """Return, per order, how many uncancelled orders its customer placed before it.

    A correlated count per order (an index range on customer and placed_at each), not a
    self-join: the planner may hash-join the whole store's orders for the latter.
    """
    ids = [o.id for o in orders if o.customer_id is not None and o.placed_at is not None]
    if not ids:
        return {}
    earlier = aliased(Order)
    count = (
        select(func.count(earlier.id))
        .where(
            earlier.store_id == Order.store_id,
            earlier.customer_id == Order.customer_id,
            earlier.placed_at < Order.placed_at,
            earlier.cancelled_at.is_(None),
        )
        .correlate(Order)
        .scalar_subquery()
    )
    stmt = select(Order.id, count).where(Order.store_id == store.id, Order.id.in_(ids))
    return {order_id: int(n) for order_id, n in db.session.execute(stmt)}
