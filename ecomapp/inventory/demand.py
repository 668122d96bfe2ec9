"""Demand figures of variants: units per day over 30 days, days of cover, reorder quantity.

Reorder quantity = ceil(units per day * (lead time + safety days)) - stock, never below 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, func, select

from ecomapp.extensions import db
from ecomapp.mirror.products import low_stock_threshold
from ecomapp.models import LineItem, Order, Product, Store, Variant

WINDOW_DAYS = 30
DEFAULT_LEAD_DAYS = 14
DEFAULT_SAFETY_DAYS = 7


def waiting_counts(store_id: int, variant_ids: list[int]) -> dict[int, int]:
    """Return how many shoppers wait for each variant (live back-in-stock requests), 0 if none."""
    from ecomapp.inventory.back_in_stock import waiting_counts as live_requests

    found = live_requests(store_id, variant_ids)
    return {variant_id: found.get(variant_id, 0) for variant_id in variant_ids}


@dataclass(frozen=True)
class Demand:
    """One variant's stock, sales pace and what to reorder."""

    variant_id: int
    product_id: int
    title: str
    sku: str | None
    stock: int
    threshold: int
    sold: int
    per_day: Decimal
    cover_days: Decimal | None  # None: no sales in the window
    waiting: int
    reorder: int


def reorder_quantity(per_day: Decimal, stock: int, lead_days: int, safety_days: int) -> int:
    """Return ceil(per_day * (lead + safety)) - stock, at least 0."""
    need = math.ceil(per_day * (lead_days + safety_days))
    return max(need - stock, 0)


def _sold_since(store_id: int, since: datetime, now: datetime, variant_ids: list[int]):
    """Return the subquery of units sold per variant platform id in [since, now)."""
    wanted = select(Variant.platform_id).where(
        Variant.store_id == store_id, Variant.id.in_(variant_ids)
    )
    return (
        select(LineItem.variant_platform_id.label("pid"), func.sum(LineItem.quantity).label("qty"))
        .join(Order, Order.id == LineItem.order_id)
        .where(LineItem.store_id == store_id, Order.store_id == store_id)
        .where(Order.placed_at >= since, Order.placed_at < now, Order.cancelled_at.is_(None))
        .where(Order.status != "cancelled", LineItem.variant_platform_id.in_(wanted))
        .group_by(LineItem.variant_platform_id)
        .subquery()
    )


def demand_figures(
    store: Store, variant_ids: list[int], now: datetime, lead_days: int, safety_days: int
) -> list[Demand]:
    """Return the demand figures of these variants: one query over the mirror's order lines."""
    if not variant_ids:
        return []
    sold = _sold_since(store.id, now - timedelta(days=WINDOW_DAYS), now, variant_ids)
    rows = db.session.execute(
        select(Variant, Product.title, func.coalesce(sold.c.qty, 0))
        .join(Product, and_(Product.id == Variant.product_id, Product.store_id == store.id))
        .outerjoin(sold, sold.c.pid == Variant.platform_id)
        .where(Variant.store_id == store.id, Variant.id.in_(variant_ids))
        .order_by(Product.title, Variant.id)
    ).all()
    waiting = waiting_counts(store.id, [row[0].id for row in rows])
    return [
        _figures(
            store, variant, title, int(qty), waiting.get(variant.id, 0), lead_days, safety_days
        )
        for variant, title, qty in rows
    ]


def _figures(
    store: Store,
    variant: Variant,
    product_title: str,
    sold: int,
    waiting: int,
    lead_days: int,
    safety_days: int,
) -> Demand:
    stock = int(variant.inventory_quantity or 0)
    per_day = (Decimal(sold) / WINDOW_DAYS).quantize(Decimal("0.01"), ROUND_HALF_UP)
    exact = Decimal(sold) / WINDOW_DAYS
    cover = (Decimal(max(stock, 0)) / exact).quantize(Decimal("0.1")) if sold else None
    title = (
        product_title
        if variant.title in ("", "Default", "Default Title")
        else (f"{product_title} / {variant.title}")
    )
    return Demand(
        variant_id=variant.id,
        product_id=variant.product_id,
        title=title,
        sku=variant.sku,
        stock=stock,
        threshold=low_stock_threshold(store, variant),
        sold=sold,
        per_day=per_day,
        cover_days=cover,
        waiting=waiting,
        reorder=reorder_quantity(exact, stock, lead_days, safety_days),
    )
