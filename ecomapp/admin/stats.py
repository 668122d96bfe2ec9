"""Figures for the dashboard, each scoped to one store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, func, select, type_coerce

from ecomapp.extensions import db
from ecomapp.models import (
    Attribution,
    Cart,
    Customer,
    Message,
    MessageStatus,
    Order,
    Product,
    Run,
    RunStatus,
    Store,
    Variant,
    utcnow,
)


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


def _count(model: type, store: Store, *where: object) -> int:
    stmt = select(func.count()).select_from(model).where(model.store_id == store.id, *where)
    return int(db.session.scalar(stmt) or 0)


def store_counts(store: Store) -> StoreCounts:
    """Return the dashboard's counts for a store."""
    since = utcnow() - timedelta(days=30)
    cents = type_coerce(Order.total_price, BigInteger)
    revenue = db.session.scalar(
        select(func.coalesce(func.sum(cents), 0)).where(
            Order.store_id == store.id, Order.placed_at >= since, Order.cancelled_at.is_(None)
        )
    )
    return StoreCounts(
        customers=_count(Customer, store),
        products=_count(Product, store),
        variants=_count(Variant, store),
        orders=_count(Order, store),
        open_carts=_count(Cart, store, Cart.converted_order_id.is_(None)),
        revenue_30d=Decimal(int(revenue or 0)) / 100,
        orders_30d=_count(Order, store, Order.placed_at >= since),
    )


def orders_by_month(store: Store, months: int = 12) -> list[tuple[str, int, Decimal]]:
    """Return (YYYY-MM, orders, revenue) for the last `months` months, oldest first."""
    since = utcnow() - timedelta(days=31 * months)
    rows = db.session.execute(
        select(Order.placed_at, type_coerce(Order.total_price, BigInteger)).where(
            Order.store_id == store.id, Order.placed_at >= since, Order.cancelled_at.is_(None)
        )
    )
    buckets: dict[str, list[int]] = {}
    for placed_at, cents in rows:
        key = placed_at.strftime("%Y-%m")
        bucket = buckets.setdefault(key, [0, 0])
        bucket[0] += 1
        bucket[1] += int(cents or 0)
    return [(k, v[0], Decimal(v[1]) / 100) for k, v in sorted(buckets.items())][-months:]


@dataclass
class WorkDone:
    """What the automations did for a store in the last 30 days."""

    runs_done: int
    emails_sent: int
    orders_attributed: int
    revenue_attributed: Decimal


def work_done(store: Store) -> WorkDone:
    """Return the last 30 days of automation runs, e-mails and attributed revenue."""
    since = utcnow() - timedelta(days=30)
    cents = type_coerce(Attribution.revenue, BigInteger)
    orders, revenue = db.session.execute(
        select(func.count(), func.coalesce(func.sum(cents), 0)).where(
            Attribution.store_id == store.id, Attribution.placed_at >= since
        )
    ).one()
    return WorkDone(
        runs_done=_count(Run, store, Run.status == RunStatus.DONE.value, Run.started_at >= since),
        emails_sent=_count(
            Message, store, Message.status == MessageStatus.SENT.value, Message.sent_at >= since
        ),
        orders_attributed=int(orders),
        revenue_attributed=Decimal(int(revenue or 0)) / 100,
    )
