"""RFM groups for every platform: recency, frequency, monetary quintiles per store, in SQL.

Among a store's customers with at least one (not cancelled) order, each of last order time,
order count and spend (paid, net of refunds) is ranked with PERCENT_RANK and cut into five
scores (rank < 0.2 → 1 … ≥ 0.8 → 5); ties share the lower score. R and the sum F+M place the
customer in one of Shopify's `rfmGroup` groups; a customer without orders is a prospect.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, insert, literal, select

from ecomapp.extensions import db
from ecomapp.models import Customer, CustomerRfm


def _score(rank: Any) -> ColumnElement[int]:
    return case((rank < 0.2, 1), (rank < 0.4, 2), (rank < 0.6, 3), (rank < 0.8, 4), else_=5)


def _group(r: Any, fm: Any) -> ColumnElement[str]:
    """Return the group of recency score r and frequency + monetary sum fm (2-10)."""
    return case(
        ((r == 5) & (fm >= 7), literal("champions")),
        ((r == 5) & (fm >= 5), literal("active")),
        (r == 5, literal("new")),
        ((r == 4) & (fm >= 7), literal("loyal")),
        ((r == 4) & (fm >= 5), literal("active")),
        (r == 4, literal("promising")),
        ((r == 3) & (fm >= 5), literal("needs_attention")),
        (r == 3, literal("almost_lost")),
        (fm >= 9, literal("previously_loyal")),
        (fm >= 7, literal("at_risk")),
        else_=literal("dormant"),
    )


def score_store(store_id: int, now: datetime) -> int:
    """Replace the store's RFM scores with fresh ones in two statements; return customers scored."""
    ranks = (
        select(
            Customer.id.label("id"),
            func.percent_rank().over(order_by=Customer.last_order_at).label("r"),
            func.percent_rank().over(order_by=Customer.orders_count).label("f"),
            func.percent_rank().over(order_by=Customer.total_spent).label("m"),
        )
        .where(
            Customer.store_id == store_id,
            Customer.orders_count > 0,
            Customer.last_order_at.is_not(None),
        )
        .subquery()
    )
    scores = select(
        ranks.c.id,
        _score(ranks.c.r).label("r"),
        _score(ranks.c.f).label("f"),
        _score(ranks.c.m).label("m"),
    ).subquery()
    rows = select(
        scores.c.id,
        literal(store_id),
        scores.c.r,
        scores.c.f,
        scores.c.m,
        _group(scores.c.r, scores.c.f + scores.c.m),
        literal(now, CustomerRfm.computed_at.type),
    )
    db.session.execute(delete(CustomerRfm).where(CustomerRfm.store_id == store_id))
    columns = ["customer_id", "store_id", "recency", "frequency", "monetary", "rfm_group"]
    result = db.session.execute(
        insert(CustomerRfm.__table__).from_select([*columns, "computed_at"], rows)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
