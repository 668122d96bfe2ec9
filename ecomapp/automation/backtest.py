"""Backtests: replay the store's past days through the engine with a recording effect layer."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import selectinload

from ecomapp.automation.conditions import PREVIOUS, Snapshot
from ecomapp.automation.context import OBJECTS, add_cart, add_customer, add_order, load_snapshot
from ecomapp.automation.effects import RecordingEffects, StepContext
from ecomapp.automation.engine import RunState, advance, match
from ecomapp.automation.schedules import slots_between
from ecomapp.automation.schema import SCHEDULE_EVENT, validate
from ecomapp.extensions import db
from ecomapp.models import Automation, Backtest, Cart, Customer, Event, Order, Store
from ecomapp.models.types import utcnow

SAMPLES = 5
LISTED = 50
ORDER_TRIGGERS = {
    "order.created",
    "order.paid",
    "order.cancelled",
    "order.refunded",
    "order.fulfilled",
    "customer.spend_changed",
}


def run_backtest(backtest_id: int) -> None:
    """Job: replay the automation version over its window and store the summary."""
    bt = db.session.get(Backtest, backtest_id)
    if bt is None or bt.status != "queued":
        return
    store = db.session.get(Store, bt.store_id)
    automation = db.session.get(Automation, bt.automation_id)
    if store is None or automation is None or automation.store_id != store.id:
        return
    bt.status = "running"
    db.session.commit()
    bt.summary = simulate(store, automation.definition, bt.days, utcnow())
    bt.status, bt.finished_at = "done", utcnow()
    db.session.commit()


def simulate(store: Store, definition: dict[str, Any], days: int, now: datetime) -> dict[str, Any]:
    """Return what the definition would have done over the past days, touching nothing."""
    started = time.perf_counter()
    definition = validate(definition)
    start = now - timedelta(days=days)
    summary: dict[str, Any] = {"events": 0, "matched": 0}
    summary |= {"statuses": Counter(), "actions": Counter()}
    customers: dict[int, str] = {}
    orders: dict[int, str] = {}
    samples: list[dict[str, Any]] = []
    for at, snap in replay(store, definition, start, now):
        summary["events"] += 1
        matched, trace = match(definition, snap)
        if not matched:
            continue
        summary["matched"] += 1
        effects, steps, state = RecordingEffects(), [], RunState()
        _simulate_run(store, definition, snap, at, now, effects, steps, state)
        summary["statuses"][state.status] += 1
        summary["actions"].update(a["action"] for a in effects.applied)
        _collect(snap, effects, customers, orders)
        if len(samples) < SAMPLES:
            samples.append(
                {"at": at.isoformat(), "subject": _label(snap), "trace": trace, "steps": steps}
            )
    summary |= _lists(customers, orders) | {"samples": samples, "days": days}
    summary |= {"statuses": dict(summary["statuses"]), "actions": dict(summary["actions"])}
    summary["elapsed_ms"] = round((time.perf_counter() - started) * 1000)
    return summary


def _lists(customers: dict[int, str], orders: dict[int, str]) -> dict[str, Any]:
    return {
        "customer_count": len(customers),
        "order_count": len(orders),
        "customers": list(customers.values())[:LISTED],
        "orders": list(orders.values())[:LISTED],
    }


def _simulate_run(
    store: Store,
    definition: dict[str, Any],
    snap: Snapshot,
    at: datetime,
    horizon: datetime,
    effects: RecordingEffects,
    steps: list[dict[str, Any]],
    state: RunState,
) -> None:
    def context(index: int, s: Snapshot) -> StepContext:
        return StepContext(store, 0, 0, 0, index, s)

    def record(index: int, kind: str, status: str, detail: dict[str, Any]) -> None:
        if status != "waiting":
            steps.append({"step": index, "kind": kind, "status": status, "detail": detail})

    clock = at
    while True:
        advance(definition, state, lambda: snap, effects, context, clock, store.timezone, record)
        if state.status != "waiting" or state.wake_at is None or state.wake_at > horizon:
            return
        clock = state.wake_at


def _collect(
    snap: Snapshot, effects: RecordingEffects, customers: dict[int, str], orders: dict[int, str]
) -> None:
    if not effects.applied:
        return
    objects = snap.get(OBJECTS, {})
    if "customer" in objects:
        customers[objects["customer"]["id"]] = objects["customer"].get("email") or ""
    if "order" in objects:
        orders[objects["order"]["id"]] = objects["order"].get("name") or ""


def _label(snap: Snapshot) -> str:
    objects = snap.get(OBJECTS, {})
    for name in ("order", "cart", "customer", "variant", "product"):
        if name in objects:
            obj = objects[name]
            return f"{name} {obj.get('name') or obj.get('email') or obj.get('sku') or obj['id']}"
    return "store"


def replay(
    store: Store, definition: dict[str, Any], start: datetime, end: datetime
) -> Iterator[tuple[datetime, Snapshot]]:
    """Yield (time, snapshot) for each would-be trigger in the window, oldest first."""
    trigger = definition["trigger"]
    kind = trigger.get("event", SCHEDULE_EVENT)
    if kind in ORDER_TRIGGERS:
        yield from _order_events(store, kind, start, end)
    elif kind == "customer.created":
        yield from _customer_events(store, start, end)
    elif kind in ("cart.abandoned", "cart.updated", "cart.converted"):
        yield from _cart_events(store, kind, start, end)
    elif kind == SCHEDULE_EVENT:
        for slot in slots_between(trigger["schedule"], start, end, store.timezone):
            yield slot, {"event.type": SCHEDULE_EVENT, OBJECTS: {}, PREVIOUS: {}}
    else:
        yield from _stored_events(store, kind, start, end)


def _history_before(store: Store, start: datetime) -> dict[int, list[Any]]:
    net = type_coerce(Order.total_price, BigInteger) - type_coerce(Order.total_refunded, BigInteger)
    rows = db.session.execute(
        select(Order.customer_id, func.count(Order.id), func.sum(net))
        .where(Order.store_id == store.id, Order.placed_at < start, Order.cancelled_at.is_(None))
        .where(Order.customer_id.is_not(None))
        .group_by(Order.customer_id)
    )
    return defaultdict(
        lambda: [0, Decimal("0")], {r[0]: [int(r[1]), Decimal(r[2] or 0) / 100] for r in rows}
    )


def _order_events(
    store: Store, kind: str, start: datetime, end: datetime
) -> Iterator[tuple[datetime, Snapshot]]:
    history = _history_before(store, start)
    stmt = (
        select(Order)
        .where(Order.store_id == store.id, Order.placed_at >= start, Order.placed_at <= end)
        .options(
            selectinload(Order.line_items),
            selectinload(Order.addresses),
            selectinload(Order.customer),
        )
        .order_by(Order.placed_at, Order.id)
        .execution_options(yield_per=500)
    )
    for order in db.session.scalars(stmt):
        seen = history[order.customer_id] if order.customer_id else [0, Decimal("0")]
        before = list(seen)
        if order.cancelled_at is None and order.customer_id:
            seen[0] += 1
            seen[1] += order.total_price - order.total_refunded
        if not _order_fires(order, kind, before, seen):
            continue
        snap: Snapshot = {"event.type": kind, OBJECTS: {}, PREVIOUS: {}}
        add_order(snap, order, earlier_orders=before[0])
        add_customer(snap, order.customer, orders_count=seen[0], total_spent=seen[1])
        if kind == "customer.spend_changed":
            snap[PREVIOUS] = {"customer.total_spent": before[1]}
        yield order.placed_at, snap


def _order_fires(order: Order, kind: str, before: list[Any], after: list[Any]) -> bool:
    if kind == "order.paid":
        return order.paid_at is not None
    if kind == "order.cancelled":
        return order.cancelled_at is not None
    if kind == "order.refunded":
        return order.financial_status == "refunded"
    if kind == "order.fulfilled":
        return order.fulfillment_status == "fulfilled"
    if kind == "customer.spend_changed":
        return before[1] != after[1]
    return True


def _customer_events(
    store: Store, start: datetime, end: datetime
) -> Iterator[tuple[datetime, Snapshot]]:
    stmt = (
        select(Customer)
        .where(Customer.store_id == store.id, Customer.platform_created_at >= start)
        .where(Customer.platform_created_at <= end)
        .order_by(Customer.platform_created_at)
        .execution_options(yield_per=1000)
    )
    for customer in db.session.scalars(stmt):
        snap: Snapshot = {"event.type": "customer.created", OBJECTS: {}, PREVIOUS: {}}
        add_customer(snap, customer, orders_count=0, total_spent=Decimal("0"))
        yield customer.platform_created_at, snap  # type: ignore[misc]


def _cart_events(
    store: Store, kind: str, start: datetime, end: datetime
) -> Iterator[tuple[datetime, Snapshot]]:
    minutes = int(store.settings.get("abandon_after_minutes", 60))
    stmt = (
        select(Cart)
        .where(Cart.store_id == store.id, Cart.last_activity_at >= start)
        .where(Cart.last_activity_at <= end)
        .order_by(Cart.last_activity_at)
    )
    for cart in db.session.scalars(stmt):
        at = cart.last_activity_at
        if kind == "cart.abandoned":
            at = at + timedelta(minutes=minutes)  # type: ignore[operator]
            if at > end or not cart.email:
                continue
        if kind == "cart.converted" and cart.converted_order_id is None:
            continue
        snap: Snapshot = {"event.type": kind, OBJECTS: {}, PREVIOUS: {}}
        add_cart(snap, cart)
        add_customer(snap, db.session.get(Customer, cart.customer_id) if cart.customer_id else None)
        yield at, snap  # type: ignore[misc]


def _stored_events(
    store: Store, kind: str, start: datetime, end: datetime
) -> Iterator[tuple[datetime, Snapshot]]:
    stmt = (
        select(Event)
        .where(Event.store_id == store.id, Event.type == kind)
        .where(Event.occurred_at >= start, Event.occurred_at <= end)
        .order_by(Event.occurred_at, Event.id)
    )
    for event in db.session.scalars(stmt):
        yield event.occurred_at, load_snapshot(store, event)
