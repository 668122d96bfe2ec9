"""Smart collection members: one set-based query over the mirror per collection."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ecomapp.extensions import db
from ecomapp.models import LineItem, Order, Product, SearchTermDay, SmartCollection
from ecomapp.models.collections import CollectionKind as Kind

DEFAULT_DAYS = {
    Kind.BEST_SELLERS: 30,
    Kind.NEW_ARRIVALS: 30,
    Kind.MOST_SEARCHED: 30,
    Kind.TRENDING: 7,
    Kind.TOP_RATED: 0,
}


def days_of(collection: SmartCollection) -> int:
    """Return the collection's window in days (its own, or the kind's default)."""
    return int(collection.params.get("days") or DEFAULT_DAYS[Kind(collection.kind)])


def _eligible(
    collection: SmartCollection, within: list[str] | None = None
) -> list[ColumnElement[bool]]:
    """Return the product filters every kind shares: store, live, scope, exclusions.

    `within` is the scope's products where the mirror does not hold them (a Shopify collection).
    """
    where = [
        Product.store_id == collection.store_id,
        Product.deleted_at.is_(None),
        Product.status == "active",
    ]
    if collection.scope_kind == "type":
        where.append(func.lower(Product.product_type) == collection.scope_value.lower())
    elif within is not None:
        where.append(Product.platform_id.in_(within))
    elif collection.scope_kind == "category":
        where.append(Product.categories.contains(f",{collection.scope_value},"))
    if collection.exclusions:
        where.append(Product.platform_id.notin_(collection.exclusions))
    return where


def _sales(collection: SmartCollection, since: datetime, amount: Any) -> Select[Any, Any]:
    """Return (product platform id, score) summed over order lines placed since `since`."""
    return (
        select(LineItem.product_platform_id.label("pid"), func.sum(amount).label("score"))
        .join(Order, Order.id == LineItem.order_id)
        .where(
            LineItem.store_id == collection.store_id,
            Order.store_id == collection.store_id,
            Order.placed_at >= since,
            Order.cancelled_at.is_(None),
        )
        .group_by(LineItem.product_platform_id)
    )


def _ranked_by(
    collection: SmartCollection, scores: Select[Any, Any], within: list[str] | None
) -> Select[Any]:
    sub = scores.subquery()
    return (
        select(Product.platform_id)
        .join(sub, sub.c.pid == Product.platform_id)
        .where(*_eligible(collection, within), sub.c.score > 0)
        .order_by(sub.c.score.desc(), Product.id)
    )


def best_sellers(
    collection: SmartCollection, now: datetime, within: list[str] | None = None
) -> Select[Any]:
    """Rank by units (or revenue) sold in the last N days."""
    revenue = collection.params.get("metric") == "revenue"
    amount = LineItem.quantity * LineItem.price if revenue else LineItem.quantity
    since = now - timedelta(days=days_of(collection))
    return _ranked_by(collection, _sales(collection, since, amount), within)


def trending(
    collection: SmartCollection, now: datetime, within: list[str] | None = None
) -> Select[Any]:
    """Rank by growth of units sold in the last N days over the N days before."""
    days = timedelta(days=days_of(collection))
    recent = case((Order.placed_at >= now - days, LineItem.quantity), else_=-LineItem.quantity)
    return _ranked_by(collection, _sales(collection, now - 2 * days, recent), within)


def top_rated(
    collection: SmartCollection, now: datetime, within: list[str] | None = None
) -> Select[Any]:
    """Rank by review average, then by how many reviews, with a minimum count."""
    least = int(collection.params.get("min_ratings") or 1)
    return (
        select(Product.platform_id)
        .where(*_eligible(collection, within), Product.rating > 0, Product.rating_count >= least)
        .order_by(Product.rating.desc(), Product.rating_count.desc(), Product.id)
    )


def new_arrivals(
    collection: SmartCollection, now: datetime, within: list[str] | None = None
) -> Select[Any]:
    """Newest first, created within the last N days."""
    since = now - timedelta(days=days_of(collection))
    return (
        select(Product.platform_id)
        .where(*_eligible(collection, within), Product.platform_created_at >= since)
        .order_by(Product.platform_created_at.desc(), Product.id.desc())
    )


def most_searched(
    collection: SmartCollection, now: datetime, within: list[str] | None = None
) -> Select[Any]:
    """Rank by searches in the last N days whose term is in the title or is one of the tags."""
    since = (now - timedelta(days=days_of(collection))).date()
    term = SearchTermDay.term
    matches = or_(
        func.lower(Product.title).contains(term, autoescape=False),
        func.lower(Product.tags).contains(literal(",") + term + literal(","), autoescape=False),
    )
    scores: Select[Any, Any] = (
        select(Product.platform_id.label("pid"), func.sum(SearchTermDay.count).label("score"))
        .join(SearchTermDay, and_(SearchTermDay.store_id == Product.store_id, matches))
        .where(Product.store_id == collection.store_id, SearchTermDay.day >= since)
        .group_by(Product.platform_id)
    )
    return _ranked_by(collection, scores, within)


RANKINGS = {
    Kind.BEST_SELLERS: best_sellers,
    Kind.TRENDING: trending,
    Kind.TOP_RATED: top_rated,
    Kind.NEW_ARRIVALS: new_arrivals,
    Kind.MOST_SEARCHED: most_searched,
}


def compute_members(
    collection: SmartCollection, now: datetime, within: list[str] | None = None
) -> list[str]:
    """Return the collection's product platform ids in order: pins first, then the ranking."""
    limit = collection.size_limit
    pinned: list[str] = []
    if collection.pins:
        live = set(
            db.session.scalars(
                select(Product.platform_id).where(
                    *_eligible(collection)[:3], Product.platform_id.in_(collection.pins)
                )
            )
        )
        excluded = set(collection.exclusions or [])
        pinned = [p for p in dict.fromkeys(collection.pins) if p in live and p not in excluded]
    stmt = RANKINGS[Kind(collection.kind)](collection, now, within).limit(limit + len(pinned))
    ranked = [p for p in db.session.scalars(stmt) if p not in pinned]
    return (pinned + ranked)[:limit]
