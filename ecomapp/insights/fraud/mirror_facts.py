"""Load scorer facts for a batch of orders from the mirror with a few set-based queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.insights.fraud.fact_queries import (
    ORDERS,
    PAID,
    PAST_AND_NEARBY,
    STORE_VALUES_WINDOW,
    rank_statement,
)
from ecomapp.insights.fraud.facts import (
    NearbyOrder,
    OrderFacts,
    PastOrder,
    PlaceFacts,
    RankedValues,
    StoreValues,
    norm,
)
from ecomapp.models import Order

RANK_IN_SQL_UP_TO = 20  # up to this many first orders, rank their totals in SQL (not 5,000 rows)
DAY = timedelta(days=1)


def load_order_facts(store_id: int, order_ids: Iterable[int]) -> dict[int, OrderFacts]:
    """Return the facts of each of the store's orders by id (unknown ids are left out)."""
    orders = db.session.execute(ORDERS, {"store_id": store_id, "ids": list(order_ids)}).all()
    if not orders:
        return {}
    past, near = _past_and_nearby(store_id, orders)
    history, nearby = _RowIndex(past, HISTORY_KEYS), _RowIndex(near, NEARBY_KEYS)
    pasts = {
        o.id: _past_of(o, history.matching(customer_id=o.customer_id, email=o.email))
        for o in orders
    }
    values = first_order_values(store_id, [o for o in orders if pasts[o.id] == ()])
    return {o.id: _facts(o, pasts[o.id], values, nearby) for o in orders}


def first_order_values(store_id: int, first: list[Any]) -> StoreValues:
    """Return the store's values that rank these first orders' totals: only a first order's
    value is ranked (`high_value_first_order`), so a returning customer's order costs no count."""
    totals = {Decimal(o.total_price) for o in first}
    if not totals:
        return StoreValues()
    if len(totals) <= RANK_IN_SQL_UP_TO:
        return ranked_values(store_id, totals)
    return store_values(store_id)


def store_values(store_id: int) -> StoreValues:
    """Return the totals of the store's recent orders, sorted."""
    totals = db.session.scalars(
        select(Order.total_price)
        .where(Order.store_id == store_id)
        .order_by(Order.id.desc())
        .limit(STORE_VALUES_WINDOW)
    ).all()
    return StoreValues(tuple(sorted(Decimal(t) for t in totals)))


def ranked_values(store_id: int, totals: set[Decimal]) -> RankedValues:
    """Return how many of the store's recent orders are below each total, counted in SQL."""
    ordered = sorted(totals)
    bound = {f"t{i}": t for i, t in enumerate(ordered)}
    row = db.session.execute(rank_statement(len(ordered)), {"store_id": store_id, **bound}).one()
    counts = {t: int(n or 0) for t, n in zip(ordered, row[1:], strict=True)}
    return RankedValues(count=int(row[0]), below=counts)


def place(row: Any, prefix: str) -> PlaceFacts | None:
    """Return the comparable facts of an order row's address (`bill_` or `ship_` columns)."""
    if getattr(row, prefix + "id") is None:
        return None
    return PlaceFacts(
        getattr(row, prefix + "name"),
        getattr(row, prefix + "address1"),
        getattr(row, prefix + "province"),
        getattr(row, prefix + "zip"),
        getattr(row, prefix + "country_code"),
        getattr(row, prefix + "phone"),
    )


def _past_and_nearby(store_id: int, orders: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """Return the rows of the orders' customers' past orders and of the store's orders sharing
    a key with them in the day before: one statement."""
    emails = sorted({e for o in orders if o.email for e in (o.email, o.email.lower())})
    placed = [o.placed_at for o in orders if o.placed_at]
    params = {
        "store_id": store_id,
        "customers": sorted({o.customer_id for o in orders if o.customer_id}),
        "emails": emails,
        "near_emails": emails,
        "ips": sorted({o.client_ip for o in orders if o.client_ip}),
        "cards": sorted({o.payment_card for o in orders if o.payment_card}),
        "phones": sorted({p for o in orders for p in (o.bill_phone, o.ship_phone) if p}),
        "since": min(placed) - DAY if placed else None,
        "until": max(placed) if placed else None,
    }
    past: list[Any] = []
    near: list[Any] = []
    for row in db.session.execute(PAST_AND_NEARBY, params):
        (past if row.kind == "past" else near).append(row)
    return past, near


# The columns a row is found by for one order of a batch (every signal compares on these).
HISTORY_KEYS = {"customer_id": "customer_id", "email": "email"}
NEARBY_KEYS = {"email": "email", "client_ip": "client_ip", "phone": "phone", "card": "payment_card"}


class _RowIndex:
    """A batch's look-up rows indexed by normalised key, so each order reads only its own
    (a scan of every row for every order is quadratic in the batch)."""

    def __init__(self, rows: list[Any], keys: dict[str, str]) -> None:
        self.rows = rows
        self.by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        for at, row in enumerate(rows):
            for name, column in keys.items():
                value = getattr(row, column)
                if value:
                    self.by_key[(name, _key(value))].append(at)

    def matching(self, **values: object) -> list[Any]:
        """Return the rows sharing any of these values (normalised), in query order."""
        found: set[int] = set()
        for name, value in values.items():
            if value:
                found.update(self.by_key.get((name, _key(value)), ()))
        return [self.rows[at] for at in sorted(found)]


def _key(value: object) -> str:
    # The signals compare normalised values: never index finer than they compare.
    return norm(value) if isinstance(value, str) else str(value)


def _facts(
    order: Any, history: tuple[PastOrder, ...] | None, values: StoreValues, nearby: _RowIndex
) -> OrderFacts:
    billing, shipping = place(order, "bill_"), place(order, "ship_")
    phone = next((p.phone for p in (billing, shipping) if p and p.phone), None)
    keys = {
        "email": order.email,
        "client_ip": order.client_ip,
        "phone": phone,
        "card": order.payment_card,
    }
    return OrderFacts(
        total=Decimal(order.total_price),
        currency=order.currency,
        placed_at=order.placed_at,
        email=order.email,
        ip=order.client_ip,
        card=order.payment_card,
        billing=billing,
        shipping=shipping,
        company=order.bill_company if billing else None,
        payment_failures=order.payment_failures,
        platform_risk=order.platform_risk,
        history=history,
        nearby=_near(order, nearby.matching(**keys)),
        store_values=values,
    )


def _past_of(order: Any, rows: list[Any]) -> tuple[PastOrder, ...] | None:
    if not order.customer_id and not order.email:
        return None
    return tuple(
        PastOrder(Decimal(r.total_price), _shipped_to(r) if r.country_code else None)
        for r in rows
        if r.id != order.id and _same_customer(r, order) and _before(r.placed_at, order)
    )


def _shipped_to(row: Any) -> PlaceFacts:
    return PlaceFacts(row.name, row.address1, row.province, row.zip, row.country_code)


def _same_customer(row: Any, order: Any) -> bool:
    if order.customer_id and row.customer_id == order.customer_id:
        return True
    return bool(order.email and row.email and row.email.lower() == order.email.lower())


def _before(when: Any, order: Any) -> bool:
    return when is None or order.placed_at is None or when <= order.placed_at


def _near(order: Any, rows: list[Any]) -> tuple[NearbyOrder, ...]:
    if order.placed_at is None:
        return ()
    return tuple(
        NearbyOrder(
            r.placed_at,
            r.email,
            r.client_ip,
            r.phone,
            r.payment_card,
            failed=bool(r.payment_failures) and r.financial_status not in PAID,
        )
        for r in rows
        if r.id != order.id and order.placed_at - DAY <= r.placed_at <= order.placed_at
    )
