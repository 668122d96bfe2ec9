"""Figures for the dashboard, each scoped to one store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ScalarSelect, delete, func, insert, select, type_coerce
from sqlalchemy.exc import IntegrityError

from ecomapp.admin.date_keys import month_key
from ecomapp.extensions import db
from ecomapp.models import (
    Attribution,
    Cart,
    Customer,
    Message,
    MessageStatus,
    Order,
    OrderMonth,
    Product,
    Run,
    RunStatus,
    Store,
    Variant,
    utcnow,
)

# How stale a past month's orders and revenue may be on the dashboard (late cancellations).
ROLLUP_TTL = timedelta(hours=1)


@dataclass
class StoreCounts:
    """Row counts and revenue of one store's mirror."""

    customers: int
    products: int
    variants: int
    orders: int
    open_carts: int
    revenue_30d: Decimal
    orders_30d: int


def _count(model: Any, store: Store, *where: Any) -> ScalarSelect[int]:
    stmt = select(func.count()).select_from(model).where(model.store_id == store.id, *where)
    return stmt.scalar_subquery()


def store_counts(store: Store) -> StoreCounts:
    """Return the dashboard's counts for a store (one round trip)."""
    since = utcnow() - timedelta(days=30)
    cents = type_coerce(Order.total_price, BigInteger)
    revenue = (
        select(func.coalesce(func.sum(cents), 0))
        .where(Order.store_id == store.id, Order.placed_at >= since, Order.cancelled_at.is_(None))
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            _count(Customer, store),
            _count(Product, store),
            _count(Variant, store),
            _count(Order, store),
            _count(Cart, store, Cart.converted_order_id.is_(None)),
            revenue,
            _count(Order, store, Order.placed_at >= since),
        )
    ).one()
    customers, products, variants, orders, carts, cents_30d, orders_30d = (int(v or 0) for v in row)
    return StoreCounts(
        customers=customers,
        products=products,
        variants=variants,
        orders=orders,
        open_carts=carts,
        revenue_30d=Decimal(cents_30d) / 100,
        orders_30d=orders_30d,
    )


def _month_keys(now: datetime, months: int) -> list[str]:
    """Return the `months` YYYY-MM keys ending with now's month, oldest first."""
    index = now.year * 12 + now.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]


def _month_start(key: str) -> datetime:
    return datetime(int(key[:4]), int(key[5:]), 1, tzinfo=UTC)


def _month_totals(
    store: Store, since: datetime, until: datetime | None
) -> dict[str, tuple[int, int]]:
    """Return {YYYY-MM: (orders, cents)} of non-cancelled orders placed in [since, until)."""
    month = month_key(Order.placed_at)
    cents = func.coalesce(func.sum(type_coerce(Order.total_price, BigInteger)), 0)
    stmt = select(month, func.count(), cents).where(
        Order.store_id == store.id, Order.placed_at >= since, Order.cancelled_at.is_(None)
    )
    if until is not None:
        stmt = stmt.where(Order.placed_at < until)
    rows = db.session.execute(stmt.group_by(month)).all()
    return {str(k): (int(n), int(c)) for k, n, c in rows}


def refresh_order_months(store: Store, keys: list[str]) -> dict[str, tuple[int, int]]:
    """Recompute the rollup rows of the given past months from the orders table; return them."""
    totals = _month_totals(
        store,
        _month_start(keys[0]),
        _month_start(_month_keys(_month_start(keys[-1]) + timedelta(days=31), 1)[0]),
    )
    db.session.execute(
        delete(OrderMonth).where(OrderMonth.store_id == store.id, OrderMonth.month.in_(keys))
    )
    now = utcnow()
    rows = [
        {
            "store_id": store.id,
            "month": k,
            "orders": totals.get(k, (0, 0))[0],
            "revenue": Decimal(totals.get(k, (0, 0))[1]) / 100,
            "refreshed_at": now,
        }
        for k in keys
    ]
    try:
        db.session.execute(insert(OrderMonth), rows)
        db.session.commit()
    except IntegrityError:  # another request refreshed the same months at the same moment
        db.session.rollback()
    return totals


def _past_months(store: Store, keys: list[str]) -> dict[str, tuple[int, int]]:
    rows = db.session.scalars(
        select(OrderMonth).where(OrderMonth.store_id == store.id, OrderMonth.month.in_(keys))
    ).all()
    fresh = utcnow() - ROLLUP_TTL
    if len(rows) < len(keys) or min(r.refreshed_at for r in rows) < fresh:
        return refresh_order_months(store, keys)
    return {r.month: (r.orders, int(r.revenue * 100)) for r in rows}


def orders_by_month(store: Store, months: int = 12) -> list[tuple[str, int, Decimal]]:
    """Return (YYYY-MM, orders, revenue) of the last `months` UTC months that had orders.

    Past months come from the `order_months` rollup (recomputed when older than ROLLUP_TTL);
    the current month is summed live, so today's orders show at once.
    """
    keys = _month_keys(utcnow(), months)
    totals = _past_months(store, keys[:-1]) if months > 1 else {}
    totals |= _month_totals(store, _month_start(keys[-1]), None)
    return [(k, totals[k][0], Decimal(totals[k][1]) / 100) for k in keys if totals.get(k, (0,))[0]]


@dataclass
class WorkDone:
    """What the automations did for a store in the last 30 days."""

    runs_done: int
    emails_sent: int
    orders_attributed: int
    revenue_attributed: Decimal


def work_done(store: Store) -> WorkDone:
    """Return the last 30 days of automation runs, e-mails and attributed revenue (one query)."""
    since = utcnow() - timedelta(days=30)
    cents = type_coerce(Attribution.revenue, BigInteger)
    attributed = select(func.count(), func.coalesce(func.sum(cents), 0)).where(
        Attribution.store_id == store.id, Attribution.placed_at >= since
    )
    runs = _count(Run, store, Run.status == RunStatus.DONE.value, Run.started_at >= since)
    sent = Message.status == MessageStatus.SENT.value
    emails = _count(Message, store, sent, Message.sent_at >= since)
    orders, revenue, runs_done, emails_sent = db.session.execute(
        attributed.add_columns(runs, emails)
    ).one()
    return WorkDone(
        runs_done=int(runs_done or 0),
        emails_sent=int(emails_sent or 0),
        orders_attributed=int(orders),
        revenue_attributed=Decimal(int(revenue or 0)) / 100,
    )
