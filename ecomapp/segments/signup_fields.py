"""Segment fields from newsletter signups: where a customer subscribed, and their interests.

A customer's signup is the confirmed one with their e-mail on the store (a signup made before
the customer existed in the mirror still counts). Interests are kept as ',a,b,' text, so a list
comparison is a LIKE on the whole list, as tags are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select

from ecomapp.extensions import db
from ecomapp.models import Customer, Signup, SignupStatus

Expr = ColumnElement[Any]
SIGNUP_FIELDS: dict[str, str] = {"signup.source": "text", "signup.interests": "list"}
# With quantifier "all", a list of texts in one column can be compared only by these operators.
ALL_OPERATORS = {"=", "!=", "is_empty", "is_not_empty"}


def _signup_value(column: Any, store_id: int) -> Expr:
    return (
        select(column)
        .where(
            Signup.store_id == store_id,
            Signup.email == func.lower(Customer.email),
            Signup.status == SignupStatus.SUBSCRIBED.value,
        )
        .correlate(Customer)
        .limit(1)
        .scalar_subquery()
    )


def signup_source(store_id: int) -> Expr:
    """Return the customer's signup source (NULL when they never confirmed a signup)."""
    return _signup_value(Signup.source, store_id)


def _norm(value: Any) -> str:
    return str(value).strip().lower() if value is not None else ""


def interests_check(store_id: int, op: str, quantifier: str, value: Any) -> Expr:
    """Return the condition on the customer's interests, quantified like `conditions` does."""
    text = func.lower(func.coalesce(_signup_value(Signup.interests, store_id), ""))
    if op in ("is_empty", "is_not_empty"):
        return text == "" if op == "is_empty" else text != ""
    if quantifier == "all":
        item = f",{_norm(value)},"
        held = text == item if op == "=" else not_(text.contains(item, autoescape=True))
        return and_(text != "", held)
    hit = _any(op, text, value)
    return not_(hit) if quantifier == "none" else hit


def _any(op: str, text: Any, value: Any) -> Expr:
    def has(v: Any) -> Expr:
        return text.contains(f",{_norm(v)},", autoescape=True)

    tests: dict[str, Callable[[], Expr]] = {
        "=": lambda: has(value),
        "!=": lambda: and_(text != "", text != f",{_norm(value)},"),
        "contains": lambda: text.contains(_norm(value), autoescape=True),
        "in": lambda: or_(false(), *(has(v) for v in value or [])),
    }
    return tests[op]()


def customer_signup_facts(customer: Customer) -> dict[str, Any]:
    """Return one customer's signup fields as the explain trace shows them."""
    row = db.session.scalar(
        select(Signup).where(
            Signup.store_id == customer.store_id,
            Signup.email == (customer.email or "").lower(),
            Signup.status == SignupStatus.SUBSCRIBED.value,
        )
    )
    if row is None:
        return {"signup.source": None, "signup.interests": []}
    return {"signup.source": row.source, "signup.interests": list(row.interests)}
