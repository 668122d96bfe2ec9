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
    FEW_ORDERS,
    MANY_ORDERS,
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
from ecomapp.models import Address, Order

RANK_IN_SQL_UP_TO = 20  # up to this many orders, rank their totals in SQL (not 5,000 rows)
DAY = timedelta(days=1)


def load_order_facts(store_id: int, order_ids: Iterable[int]) -> dict[int, OrderFacts]:
    """Return the facts of each of the store's orders by id (unknown ids are left out)."""
    ids = list(order_ids)
    orders = _orders(store_id, ids)
    if not orders:
        return {}
    totals = {Decimal(o.total_price) for o in orders}
    values: StoreValues
    if len(totals) <= RANK_IN_SQL_UP_TO:
        values = ranked_values(store_id, totals)
    else:
        values = store_values(store_id)
    past, near = _past_and_nearby(store_id, orders)
    history, nearby = _RowIndex(past, HISTORY_KEYS), _RowIndex(near, NEARBY_KEYS)
    return {o.id: _facts(o, values, history, nearby) for o in orders}


def _orders(store_id: int, ids: list[int]) -> Sequence[Order]:
    statement = FEW_ORDERS if len(ids) <= RANK_IN_SQL_UP_TO else MANY_ORDERS
    found = db.session.scalars(statement, {"store_id": store_id, "ids": ids})
    return found.unique().all()


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


def place(address: Address | None) -> PlaceFacts | None:
    """Return the comparable facts of a mirrored address."""
    if address is None:
        return None
    return PlaceFacts(
        address.name,
        address.address1,
        address.province,
        address.zip,
        address.country_code,
        address.phone,
    )


def _past_and_nearby(store_id: int, orders: Sequence[Order]) -> tuple[list[Any], list[Any]]:
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
        "phones": sorted({a.phone for o in orders for a in o.addresses if a.phone}),
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


def _facts(order: Order, values: StoreValues, history: _RowIndex, nearby: _RowIndex) -> OrderFacts:
    billing = order.address("billing")
    return OrderFacts(
        total=Decimal(order.total_price),
        currency=order.currency,
        placed_at=order.placed_at,
        email=order.email,
        ip=order.client_ip,
        card=order.payment_card,
        billing=place(billing),
        shipping=place(order.address("shipping")),
        company=billing.company if billing else None,
        payment_failures=order.payment_failures,
        platform_risk=order.platform_risk,
        history=_past_of(order, history.matching(customer_id=order.customer_id, email=order.email)),
        nearby=_near(order, nearby.matching(**_nearby_keys(order, billing))),
        store_values=values,
    )


def _nearby_keys(order: Order, billing: Address | None) -> dict[str, object]:
    shipping = order.address("shipping")
    phones = [a.phone for a in (billing, shipping) if a is not None and a.phone]
    return {
        "email": order.email,
        "client_ip": order.client_ip,
        "phone": phones[0] if phones else None,
        "card": order.payment_card,
    }


def _past_of(order: Order, rows: list[Any]) -> tuple[PastOrder, ...] | None:
    if not order.customer_id and not order.email:
        return None
    return tuple(
        PastOrder(Decimal(r.total_price), _shipped_to(r) if r.country_code else None)
        for r in rows
        if r.id != order.id and _same_customer(r, order) and _before(r.placed_at, order)
    )


def _shipped_to(row: Any) -> PlaceFacts:
    return PlaceFacts(row.name, row.address1, row.province, row.zip, row.country_code)


def _same_customer(row: Any, order: Order) -> bool:
    if order.customer_id and row.customer_id == order.customer_id:
        return True
    return bool(order.email and row.email and row.email.lower() == order.email.lower())


def _before(when: Any, order: Order) -> bool:
    return when is None or order.placed_at is None or when <= order.placed_at


def _near(order: Order, rows: list[Any]) -> tuple[NearbyOrder, ...]:
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
