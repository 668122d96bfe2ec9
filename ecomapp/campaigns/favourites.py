"""Each recipient's favourite category for a batch, in one SQL statement.

The favourite is the product type a customer bought most units of (uncancelled orders; ties by
name); a customer without purchases falls back to the first interest of their confirmed signup,
else to none (the grid then shows the best sellers).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, cast, func, literal, select, union_all

from ecomapp.extensions import db
from ecomapp.models import Customer, LineItem, Order, Signup, SignupStatus

FAVOURITE = "favourite_category"


def favourite_categories(store_id: int, customer_ids: list[int]) -> dict[int, str]:
    """Return the favourite category of each given customer that has one."""
    ids = sorted({c for c in customer_ids if c})
    if not ids:
        return {}
    bought = (
        select(
            Order.customer_id.label("cid"),
            cast(LineItem.product_type, String).label("value"),
            func.sum(LineItem.quantity).label("units"),
        )
        .join(LineItem, LineItem.order_id == Order.id)
        .where(
            Order.store_id == store_id,
            Order.customer_id.in_(ids),
            Order.cancelled_at.is_(None),
            func.coalesce(LineItem.product_type, "") != "",
        )
        .group_by(Order.customer_id, LineItem.product_type)
    )
    interests = (
        select(Customer.id, cast(Signup.interests, String), literal(-1))
        .join(
            Signup,
            and_(Signup.store_id == store_id, Signup.email == func.lower(Customer.email)),
        )
        .where(
            Customer.store_id == store_id,
            Customer.id.in_(ids),
            Signup.status == SignupStatus.SUBSCRIBED.value,
        )
    )
    rows: list[Any] = list(db.session.execute(union_all(bought, interests)).all())
    return _pick([(int(r[0]), str(r[1] or ""), int(r[2] or 0)) for r in rows])


def _pick(rows: list[tuple[int, str, int]]) -> dict[int, str]:
    best: dict[int, tuple[int, str]] = {}
    for cid, value, units in rows:
        if units < 0:  # a signup's ',a,b,' interests: the first one, ranked below any purchase
            value = next((v for v in (value or "").split(",") if v), "")
        if not value:
            continue
        held = best.get(cid)
        if held is None or units > held[0] or (units == held[0] and value < held[1]):
            best[cid] = (units, value)
    return {cid: value for cid, (_, value) in best.items()}
