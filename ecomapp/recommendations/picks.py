"""Recommendations for an order or a customer, from the stored top-N (never trains).

Candidates are the stored picks of the products bought, summed by recommended product; what
the customer already bought, products not published and products without stock are left out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select

from ecomapp.extensions import db
from ecomapp.models import LineItem, Order, Product, ProductRecommendation, Store, Variant

PUBLISHED = "active"


def _bought(store: Store, order: Order | None, customer_id: int | None) -> Any:
    """Return a select of the product ids the order's customer (or the order alone) bought."""
    joined = select(Product.id).join(
        LineItem,
        and_(LineItem.store_id == store.id, LineItem.product_platform_id == Product.platform_id),
    )
    stmt = joined.join(Order, Order.id == LineItem.order_id).where(
        Product.store_id == store.id, Order.store_id == store.id
    )
    if customer_id is not None:
        return stmt.where(Order.customer_id == customer_id)
    return stmt.where(Order.id == (order.id if order else -1))


def _in_stock(store: Store) -> Any:
    """Return a select of product ids with a variant in stock (or whose stock is not tracked)."""
    return select(Variant.product_id).where(
        Variant.store_id == store.id,
        or_(Variant.inventory_quantity.is_(None), Variant.inventory_quantity > 0),
    )


def recommend_products(
    store: Store, seeds: Any, exclude: Any, limit: int, min_score: float = 0.0
) -> list[Product]:
    """Return up to limit published, in-stock products related to the seed products."""
    score = func.sum(ProductRecommendation.score).label("score")
    best = func.min(ProductRecommendation.rank).label("best")
    ranked = (
        select(ProductRecommendation.recommended_id, score, best)
        .where(
            ProductRecommendation.store_id == store.id,
            ProductRecommendation.product_id.in_(seeds),
            ProductRecommendation.recommended_id.not_in(exclude),
        )
        .group_by(ProductRecommendation.recommended_id)
        .having(score >= min_score)
        .subquery()
    )
    stmt = (
        select(Product)
        .join(ranked, ranked.c.recommended_id == Product.id)
        .where(Product.store_id == store.id, Product.status == PUBLISHED)
        .where(Product.deleted_at.is_(None), Product.id.in_(_in_stock(store)))
        .order_by(ranked.c.score.desc(), ranked.c.best, Product.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def for_order(store: Store, order: Order, limit: int = 4) -> list[Product]:
    """Return recommendations for an order, leaving out all its customer ever bought."""
    if order.store_id != store.id:
        return []
    seeds = _bought(store, order, None)
    exclude = _bought(store, order, order.customer_id) if order.customer_id else seeds
    return recommend_products(store, seeds, exclude, limit)


def bought_by(store: Store, customer_id: int) -> Any:
    """Return a select of the product ids a customer of the store bought."""
    return _bought(store, None, customer_id)


def for_customer(store: Store, customer_id: int, limit: int = 4) -> list[Product]:
    """Return recommendations from everything a customer bought, leaving that out."""
    bought = _bought(store, None, customer_id)
    return recommend_products(store, bought, bought, limit)


def for_product(store: Store, product_id: int, limit: int = 20) -> list[tuple[Product, Any]]:
    """Return a product's stored picks with their rows, in rank order (the panel's view)."""
    stmt = (
        select(Product, ProductRecommendation)
        .join(ProductRecommendation, ProductRecommendation.recommended_id == Product.id)
        .where(
            ProductRecommendation.store_id == store.id,
            ProductRecommendation.product_id == product_id,
            Product.store_id == store.id,
        )
        .order_by(ProductRecommendation.rank)
        .limit(limit)
    )
    return [(p, r) for p, r in db.session.execute(stmt)]
