"""Load scorer facts for a batch of orders from the mirror with a few set-based queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select, union
from sqlalchemy.orm import aliased, joinedload, selectinload

from ecomapp.extensions import db
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

STORE_VALUES_WINDOW = 5000  # the store's most recent orders that rank a first order's value
RANK_IN_SQL_UP_TO = 20  # up to this many orders, rank their totals in SQL (not 5,000 rows)
PAID = {"paid", "partially_refunded", "refunded"}
DAY = timedelta(days=1)
# Built once: a fresh alias per call costs more to adapt than the query takes to run.
SHIP = aliased(Address, name="ship")
BILL = aliased(Address, name="bill")


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
    history = _RowIndex(_history(store_id, orders), HISTORY_KEYS)
    nearby = _RowIndex(_nearby(store_id, orders), NEARBY_KEYS)
    return {o.id: _facts(o, values, history, nearby) for o in orders}


def _orders(store_id: int, ids: list[int]) -> Sequence[Order]:
    found = select(Order).where(Order.store_id == store_id, Order.id.in_(ids))
    if len(ids) > RANK_IN_SQL_UP_TO:
        return db.session.scalars(found.options(selectinload(Order.addresses))).all()
    # A few orders (the action scores one at a time): their addresses in the same statement.
    return db.session.scalars(found.options(joinedload(Order.addresses))).unique().all()


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
    recent = (
        select(Order.total_price)
        .where(Order.store_id == store_id)
        .order_by(Order.id.desc())
        .limit(STORE_VALUES_WINDOW)
        .subquery()
    )
    ordered = sorted(totals)
    below = [func.sum(case((recent.c.total_price < t, 1), else_=0)) for t in ordered]
    row = db.session.execute(select(func.count(), *below).select_from(recent)).one()
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


def _history(store_id: int, orders: Sequence[Order]) -> list[Any]:
    customers = {o.customer_id for o in orders if o.customer_id}
    # Exact e-mails as sent and lower-cased, so ix_orders_store_email serves the look-up.
    emails = {e for o in orders if o.email for e in (o.email, o.email.lower())}
    if not customers and not emails:
        return []

    who = or_(Order.customer_id.in_(customers), Order.email.in_(emails))
    return list(
        db.session.execute(
            select(Order.id, Order.customer_id, Order.email, Order.total_price, Order.placed_at)
            .add_columns(SHIP.name, SHIP.address1, SHIP.province, SHIP.zip, SHIP.country_code)
            .outerjoin(SHIP, and_(SHIP.order_id == Order.id, SHIP.kind == "shipping"))
            .where(Order.store_id == store_id, who, Order.cancelled_at.is_(None))
            .where(or_(Order.payment_failures.is_(None), Order.financial_status.in_(PAID)))
        )
    )


def _nearby(store_id: int, orders: Sequence[Order]) -> list[Any]:
    placed = [o.placed_at for o in orders if o.placed_at]
    if not placed:
        return []
    window = (min(placed) - DAY, max(placed))
    matched = _matching_ids(store_id, orders, window)
    if matched is None:
        return []

    return list(
        db.session.execute(
            select(Order.id, Order.placed_at, Order.email, Order.client_ip, Order.payment_card)
            .add_columns(Order.payment_failures, Order.financial_status, BILL.phone)
            .outerjoin(BILL, and_(BILL.order_id == Order.id, BILL.kind == "billing"))
            .where(Order.store_id == store_id, Order.placed_at.between(*window))
            .where(Order.id.in_(select(matched.c.id)))
        )
    )


def _matching_ids(store_id: int, orders: Sequence[Order], window: tuple[Any, Any]) -> Any:
    """Return a subquery of the store's order ids sharing an e-mail, IP, card or billing phone
    with the orders in the time window: one indexed look-up per key (a scan of the day's
    orders costs more)."""
    emails = {e for o in orders if o.email for e in (o.email, o.email.lower())}
    keys = [
        (Order.email, emails),
        (Order.client_ip, {o.client_ip for o in orders if o.client_ip}),
        (Order.payment_card, {o.payment_card for o in orders if o.payment_card}),
    ]
    selects = [
        select(Order.id.label("id"))
        .where(Order.store_id == store_id, column.in_(values))
        .where(Order.placed_at.between(*window))
        for column, values in keys
        if values
    ]
    phones = {a.phone for o in orders for a in o.addresses if a.phone}
    if phones:
        by_phone = select(Address.order_id.label("id")).where(
            Address.store_id == store_id, Address.kind == "billing", Address.phone.in_(phones)
        )
        selects.append(by_phone)
    return union(*selects).subquery() if selects else None


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
        PastOrder(Decimal(r.total_price), PlaceFacts(*r[5:10]) if r.country_code else None)
        for r in rows
        if r.id != order.id and _same_customer(r, order) and _before(r.placed_at, order)
    )


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
