"""Backtests: replay the store's past days through the engine with a recording effect layer."""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import BigInteger, case, func, select, type_coerce

from ecomapp.automation.branches import program
from ecomapp.automation.compiled import compile_exit, compile_group
from ecomapp.automation.conditions import PREVIOUS, Snapshot
from ecomapp.automation.context import OBJECTS, add_cart, add_customer, add_order, load_snapshot
from ecomapp.automation.effects import RecordingEffects, StepContext
from ecomapp.automation.engine import RunState, advance, match
from ecomapp.automation.fields import FIELDS
from ecomapp.automation.plain_rows import stream_dicts
from ecomapp.automation.schedules import slots_between
from ecomapp.automation.schema import SCHEDULE_EVENT, validate
from ecomapp.events.order_rules import ORDER_EVENTS, PAID_STATUSES, OrderState
from ecomapp.extensions import db
from ecomapp.models import (
    Address,
    Automation,
    Backtest,
    Cart,
    Customer,
    Event,
    LineItem,
    Order,
    Store,
)
from ecomapp.models.types import utcnow

SAMPLES = 5
LISTED = 50
CHUNK = 2000  # rows fetched (and details loaded) at a time
GC_YOUNG = 50_000  # allocations between young collections during a replay (default 700)
ORDER_TRIGGERS = (set(ORDER_EVENTS) - {"order.updated"}) | {"customer.spend_changed"}


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
    summary |= {"statuses": Counter(), "actions": Counter(), "skipped": Counter()}
    customers: dict[int, str] = {}
    orders: dict[int, str] = {}
    samples: list[dict[str, Any]] = []
    with _rare_collections():
        _replay_into(store, definition, (start, now), summary, customers, orders, samples)
    summary |= _lists(customers, orders) | {"samples": samples, "days": days}
    summary |= {name: dict(summary[name]) for name in ("statuses", "actions", "skipped")}
    summary["elapsed_ms"] = round((time.perf_counter() - started) * 1000)
    return summary


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Keep the cycle collector off the app's long-lived objects and collect young ones rarely.

    A replay allocates millions of short-lived dicts freed by reference counting; full
    collections walking the whole heap cost it about a quarter of its time.
    """
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(before[0], GC_YOUNG), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _replay_into(
    store: Store,
    definition: dict[str, Any],
    window: tuple[datetime, datetime],
    summary: dict[str, Any],
    customers: dict[int, str],
    orders: dict[int, str],
    samples: list[dict[str, Any]],
) -> None:
    """Replay the window's events through the definition, adding up what it would do."""
    start, now = window
    matches = compile_group(definition["conditions"])
    exits = compile_exit(definition["exit_conditions"])
    for at, snap in replay(store, definition, start, now):
        summary["events"] += 1
        if not matches(snap):
            continue
        summary["matched"] += 1
        effects, state = RecordingEffects(), RunState()
        steps: list[dict[str, Any]] = []
        _simulate_run(store, definition, snap, (at, now), effects, steps, state, exits)
        summary["statuses"][state.status] += 1
        for applied in effects.applied:  # counted in place: Counter.update costs more per call
            summary["actions"][applied["action"]] += 1
        for step in steps:
            if step["status"] == "skipped":
                summary["skipped"][step["kind"]] += 1
        _collect(snap, effects, customers, orders)
        if len(samples) < SAMPLES:
            trace = match(definition, snap)[1]
            samples.append(
                {"at": at.isoformat(), "subject": _label(snap), "trace": trace, "steps": steps}
            )


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
    window: tuple[datetime, datetime],
    effects: RecordingEffects,
    steps: list[dict[str, Any]],
    state: RunState,
    exits: Callable[[Snapshot], bool],
) -> None:
    def context(index: int, s: Snapshot) -> StepContext:
        return StepContext(store, 0, 0, 0, index, s)

    def record(index: int, kind: str, status: str, detail: dict[str, Any]) -> None:
        if status != "waiting":
            steps.append({"step": index, "kind": kind, "status": status, "detail": detail})

    clock, horizon = window
    tz = store.timezone
    while True:
        advance(definition, state, lambda: snap, effects, context, clock, tz, record, exits)
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
        yield from _order_events(store, kind, start, end, used_fields(definition))
    elif kind == "customer.created":
        yield from _customer_events(store, start, end)
    elif kind in ("cart.abandoned", "cart.updated", "cart.converted"):
        yield from _cart_events(store, kind, start, end)
    elif kind == SCHEDULE_EVENT:
        for slot in slots_between(trigger["schedule"], start, end, store.timezone):
            yield slot, {"event.type": SCHEDULE_EVENT, OBJECTS: {}, PREVIOUS: {}}
    else:
        yield from _stored_events(store, kind, start, end)


class _Row:
    """A plain order or customer row that the live snapshot builders read like a model."""

    @classmethod
    def of(cls, values: dict[str, Any]) -> _Row:
        """Return a row reading this dict's values as its attributes (the dict is not copied)."""
        row = cls.__new__(cls)
        object.__setattr__(row, "__dict__", values)
        return row

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)  # only for a column the query did not read

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value

    def address(self, kind: str) -> Any:
        """Return the order's address of this kind (loaded only when conditions use it)."""
        return self.addresses.get(kind)


_ORDER_COLUMNS = (
    "id",
    "platform_id",
    "name",
    "customer_id",
    "currency",
    "subtotal_price",
    "total_price",
    "total_discounts",
    "total_refunded",
    "financial_status",
    "fulfillment_status",
    "status",
    "gateway",
    "shipping_method",
    "tags",
    "placed_at",
    "cancelled_at",
)
_CUSTOMER_COLUMNS = (
    "id",
    "platform_id",
    "email",
    "first_name",
    "last_name",
    "kind",
    "has_account",
    "accepts_marketing",
    "country_code",
    "company",
    "tags",
)
_customer_values = itemgetter(*(f"c_{c}" for c in _CUSTOMER_COLUMNS))  # the joined customer's
_LINE_FIELDS = ("order.line_count", "order.item_quantity")
_ADDRESS_FIELDS = ("order.shipping_", "order.billing_", "order.address_mismatch")


def used_fields(definition: dict[str, Any]) -> set[str]:
    """Return every snapshot field a definition's conditions, exits and branches read."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "field" in node:
                found.add(node["field"])
            if "ref" in node:
                found.add(node["ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk([definition.get("conditions"), definition.get("exit_conditions")])
    walk([step["if"] for step in program(definition) if step["type"] == "branch"])
    return found


def _at_column(kind: str) -> str:
    """Return the order column an order event of this kind happened at."""
    if kind == "customer.spend_changed":
        return "placed_at"
    column = ORDER_EVENTS[kind][1]
    return column if column != "updated_at" else "platform_updated_at"


def _running_orders(store: Store, start: datetime, end: datetime, kind: str) -> Any:
    """Select the window's orders with each customer's uncancelled count and paid spend so far.

    Window functions over every order up to `end` give the running totals in one pass, so
    history before the window counts the same as in the live mirror. Of the order's times,
    only those the snapshot and the event's time read are selected.
    """
    columns = dict.fromkeys((*_ORDER_COLUMNS, _at_column(kind)))
    live = Order.cancelled_at.is_(None)
    net = type_coerce(Order.total_price, BigInteger) - type_coerce(Order.total_refunded, BigInteger)
    paid = Order.financial_status.in_(sorted(PAID_STATUSES))  # spend as the mirror counts it
    ordered: dict[str, Any] = {
        "partition_by": Order.customer_id,
        "order_by": (Order.placed_at, Order.id),
    }
    inner = (
        select(
            *(getattr(Order, c) for c in columns),
            func.sum(case((live, 1), else_=0)).over(**ordered).label("running_count"),
            func.sum(case((live & paid, net), else_=0)).over(**ordered).label("running_cents"),
        )
        .where(Order.store_id == store.id, Order.placed_at <= end)
        .subquery()
    )
    customer = [getattr(Customer, c).label(f"c_{c}") for c in _CUSTOMER_COLUMNS]
    return (
        select(inner, *customer)
        .outerjoin(Customer, Customer.id == inner.c.customer_id)
        .where(inner.c.placed_at >= start)
        .order_by(inner.c.placed_at, inner.c.id)
    )


def _order_events(
    store: Store, kind: str, start: datetime, end: datetime, fields: set[str] | None = None
) -> Iterator[tuple[datetime, Snapshot]]:
    fields = fields if fields is not None else set(FIELDS)
    lines = any(f.startswith("order.line_items") or f in _LINE_FIELDS for f in fields)
    addresses = any(f.startswith(_ADDRESS_FIELDS) for f in fields)
    for chunk in stream_dicts(_running_orders(store, start, end, kind), CHUNK):
        extra = _order_details(store, [r["id"] for r in chunk], lines, addresses)
        for row in chunk:
            found = _order_event(kind, row, extra)
            if found is not None:
                yield found


def _order_event(
    kind: str, values: dict[str, Any], extra: dict[int, dict[str, Any]]
) -> tuple[datetime, Snapshot] | None:
    values.update(extra.get(values["id"], _NO_DETAIL))
    order = _Row.of(values)
    cancelled = order.cancelled_at is not None
    after_count, after_cents = (int(order.running_count or 0), int(order.running_cents or 0))
    if order.customer_id is None:
        after_count = after_cents = 0
    mine = 0 if cancelled or order.customer_id is None else 1
    before_count = after_count - mine
    net = _cents(order.total_price) - _cents(order.total_refunded)
    paid = order.financial_status in PAID_STATUSES
    before_cents = after_cents - (net if mine and paid else 0)
    if kind == "customer.spend_changed":
        if before_cents == after_cents:
            return None
        at = order.placed_at
    else:
        state = OrderState(order.financial_status, cancelled, order.fulfillment_status)
        if not ORDER_EVENTS[kind][0](None, state):
            return None
        at = getattr(order, _at_column(kind)) or order.placed_at
    snap: Snapshot = {"event.type": kind, OBJECTS: {}, PREVIOUS: {}}
    add_order(snap, order, earlier_orders=before_count)  # type: ignore[arg-type]
    if values["c_id"] is not None:
        values = dict(zip(_CUSTOMER_COLUMNS, _customer_values(values), strict=True))
        customer = _customer_row(values, after_count, _money(after_cents))
        add_customer(snap, customer)  # type: ignore[arg-type]
    if kind == "customer.spend_changed":
        snap[PREVIOUS] = {"customer.total_spent": _money(before_cents)}
    return at, snap


_NO_DETAIL: dict[str, Any] = {"line_items": [], "addresses": {}}


def _cents(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)  # exact, two places: (Decimal(cents) / 100).quantize(CENT)


def _order_details(
    store: Store, ids: list[int], lines: bool, addresses: bool
) -> dict[int, dict[str, Any]]:
    """Load line items and addresses of a chunk of orders, only when conditions read them."""
    out: dict[int, dict[str, Any]] = {}
    if not (lines or addresses):
        return out
    detail = lambda order_id: out.setdefault(order_id, {"line_items": [], "addresses": {}})  # noqa: E731
    if lines:
        cols: tuple[str, ...] = ("order_id", "title", "vendor", "product_type", "sku", "quantity")
        stmt = select(*(getattr(LineItem, c) for c in cols), LineItem.product_platform_id)
        stmt = stmt.where(LineItem.store_id == store.id, LineItem.order_id.in_(ids))
        for row in db.session.execute(stmt.order_by(LineItem.id)):
            detail(row.order_id)["line_items"].append(row)
    if addresses:
        cols = ("order_id", "kind", "country_code", "city", "zip")
        stmt = select(*(getattr(Address, c) for c in cols))
        stmt = stmt.where(Address.store_id == store.id, Address.order_id.in_(ids))
        for row in db.session.execute(stmt):
            detail(row.order_id)["addresses"][row.kind] = row
    return out


def _customer_events(
    store: Store, start: datetime, end: datetime
) -> Iterator[tuple[datetime, Snapshot]]:
    created = Customer.platform_created_at
    stmt = (
        select(*(getattr(Customer, c) for c in _CUSTOMER_COLUMNS), created.label("created"))
        .where(Customer.store_id == store.id, created >= start, created <= end)
        .order_by(created)
    )
    for chunk in stream_dicts(stmt, CHUNK):
        for row in chunk:
            customer = _customer_row(row, 0, Decimal("0"))
            snap: Snapshot = {"event.type": "customer.created", OBJECTS: {}, PREVIOUS: {}}
            add_customer(snap, customer)  # type: ignore[arg-type]
            yield row["created"], snap


def _customer_row(values: dict[str, Any], orders_count: int, spent: Decimal) -> _Row:
    """Return a plain customer row as the snapshot builder reads it (name as the model's)."""
    customer = _Row.of(values)
    full = f"{customer.first_name} {customer.last_name}".strip()
    customer.name = full or (customer.email or "")
    customer.orders_count, customer.total_spent = orders_count, spent
    return customer


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
        if at is None:
            continue  # the query asked for last_activity_at <= end: never None here
        if kind == "cart.abandoned":
            at = at + timedelta(minutes=minutes)
            if at > end or not cart.email:
                continue
        if kind == "cart.converted" and cart.converted_order_id is None:
            continue
        snap: Snapshot = {"event.type": kind, OBJECTS: {}, PREVIOUS: {}}
        add_cart(snap, cart)
        add_customer(snap, db.session.get(Customer, cart.customer_id) if cart.customer_id else None)
        yield at, snap


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
