"""Compile a segment's conditions to ONE SQL condition over a customers row (SQLAlchemy Core).

The comparisons mean what `ecomapp.automation.conditions.compare` means (texts trimmed and
case-blind, lists quantified any/all/none), so the set-based answer and the per-customer
trace (`explain`) agree. History fields are correlated EXISTS over the store's orders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)

from ecomapp.models import Customer, CustomerRfm, LineItem, Order
from ecomapp.segments.fields import SEGMENT_FIELDS
from ecomapp.segments.signup_fields import interests_check, signup_source

Expr = ColumnElement[Any]
COLUMNS: dict[str, Any] = {
    "customer.orders_count": Customer.orders_count,
    "customer.total_spent": Customer.total_spent,
    "customer.tags": Customer.tags,
    "customer.country_code": Customer.country_code,
    "customer.province": Customer.province,
    "customer.city": Customer.city,
    "customer.zip": Customer.zip,
    "customer.kind": Customer.kind,
    "customer.company": Customer.company,
    "customer.has_account": Customer.has_account,
    "customer.accepts_marketing": Customer.accepts_marketing,
    "customer.email": Customer.email,
}
DAYS_COLUMNS = {
    "customer.days_since_first_order": Customer.first_order_at,
    "customer.days_since_last_order": Customer.last_order_at,
}
# History field -> (value column, whether it reads line items, whether cancelled orders count)
HISTORY: dict[str, tuple[Any, bool, bool]] = {
    "orders.financial_status": (Order.financial_status, False, True),
    "orders.fulfillment_status": (Order.fulfillment_status, False, True),
    "orders.status": (Order.status, False, True),
    "orders.coupon_code": (Order.discount_codes, False, False),
    "orders.product_id": (LineItem.product_platform_id, True, False),
    "orders.product_title": (LineItem.title, True, False),
    "orders.product_type": (LineItem.product_type, True, False),
    "orders.vendor": (LineItem.vendor, True, False),
}


def rfm_group() -> Expr:
    """Return the customer's RFM group: scored nightly; prospects without orders, else new."""
    scored = (
        select(CustomerRfm.rfm_group)
        .where(CustomerRfm.customer_id == Customer.id)
        .correlate(Customer)
        .scalar_subquery()
    )
    return case(
        (Customer.orders_count == 0, literal("prospects")), else_=func.coalesce(scored, "new")
    )


def segment_condition(store_id: int, group: dict[str, Any], now: datetime) -> Expr:
    """Return the SQL condition that holds for the store's customers in the segment."""
    mode, items = next(iter(group.items()))
    parts = [
        segment_condition(store_id, item, now)
        if ("all" in item or "any" in item)
        else _check(store_id, item, now)
        for item in items
    ]
    if not parts:
        return true() if mode == "all" else false()
    return and_(*parts) if mode == "all" else or_(*parts)


def _check(store_id: int, cond: dict[str, Any], now: datetime) -> Expr:
    field, op, value = cond["field"], cond["op"], cond.get("value")
    if field in DAYS_COLUMNS:
        return _days(op, DAYS_COLUMNS[field], value, now)
    if field in HISTORY:
        return _history(store_id, field, op, cond.get("quantifier", "any"), value)
    if field == "signup.interests":
        return interests_check(store_id, op, cond.get("quantifier", "any"), value)
    column = _column(store_id, field)
    kind = SEGMENT_FIELDS[field]
    if kind in ("money", "number"):
        return _numeric(op, column, value, money=kind == "money")
    if kind == "bool":
        return _boolean(op, column, value)
    if kind == "tags":
        return _tags(op, column, value)
    return _text_op(op, column, value)


def _column(store_id: int, field: str) -> Any:
    if field == "customer.rfm_group":
        return rfm_group()
    if field == "signup.source":
        return signup_source(store_id)
    return COLUMNS[field]


def _norm(value: Any) -> str:
    return str(value).strip().lower() if value is not None else ""


def _lower(column: Any) -> Expr:
    return func.lower(func.trim(func.coalesce(column, "")))


def _text_op(op: str, column: Any, value: Any) -> Expr:
    """Return a case-blind text comparison, as `compare` does it."""
    low = _lower(column)
    tests: dict[str, Callable[[], Expr]] = {
        "=": lambda: low == _norm(value),
        "!=": lambda: low != _norm(value),
        "contains": lambda: low.contains(_norm(value), autoescape=True),
        "starts_with": lambda: low.startswith(_norm(value), autoescape=True),
        "in": lambda: low.in_([_norm(v) for v in value or []]),
        "is_empty": lambda: low == "",
        "is_not_empty": lambda: low != "",
    }
    return tests[op]()


def _amount(value: Any, money: bool) -> Any:
    number = Decimal(str(value))
    if money:
        return number
    return int(number) if number == int(number) else float(number)


def _numeric(op: str, column: Any, value: Any, money: bool) -> Expr:
    if op == "is_empty":
        return column.is_(None)
    if op == "is_not_empty":
        return column.is_not(None)
    if op == "between":
        return column.between(_amount(value[0], money), _amount(value[1], money))
    if op == "in":
        return column.in_([_amount(v, money) for v in value])
    bound = _amount(value, money)
    tests: dict[str, Callable[[], Expr]] = {
        "=": lambda: column == bound,
        "!=": lambda: or_(column.is_(None), column != bound),
        "<": lambda: column < bound,
        "<=": lambda: column <= bound,
        ">": lambda: column > bound,
        ">=": lambda: column >= bound,
    }
    return tests[op]()


def _boolean(op: str, column: Any, value: Any) -> Expr:
    if op in ("is_empty", "is_not_empty"):
        return column.is_(None) if op == "is_empty" else column.is_not(None)
    wanted = value if isinstance(value, bool) else _norm(value) == "true"
    held = func.coalesce(column, False) == wanted
    return held if op == "=" else not_(held)


def _tags(op: str, column: Any, value: Any) -> Expr:
    text = func.lower(func.coalesce(column, ""))
    if op == "is_empty":
        return text == ""
    if op == "is_not_empty":
        return text != ""
    return text.contains(f",{_norm(value)},", autoescape=True)


def _whole(days: Any) -> int:
    return int(Decimal(str(days)))


def _days(op: str, column: Any, value: Any, now: datetime) -> Expr:
    """Compare whole days since a moment (floor of the elapsed days) as bounds on the moment.

    floor(elapsed) <= N is elapsed < N + 1, i.e. the moment is after now - (N + 1) days.
    """
    if op in ("is_empty", "is_not_empty"):
        return column.is_(None) if op == "is_empty" else column.is_not(None)

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    def equal(days: Any) -> Expr:
        return and_(column <= ago(_whole(days)), column > ago(_whole(days) + 1))

    tests: dict[str, Callable[[], Expr]] = {
        "<=": lambda: column > ago(_whole(value) + 1),
        "<": lambda: column > ago(_whole(value)),
        ">=": lambda: column <= ago(_whole(value)),
        ">": lambda: column <= ago(_whole(value) + 1),
        "=": lambda: equal(value),
        "!=": lambda: or_(column.is_(None), not_(equal(value))),
        "in": lambda: or_(false(), *(equal(v) for v in value or [])),
        "between": lambda: and_(
            column <= ago(_whole(value[0])), column > ago(_whole(value[1]) + 1)
        ),
    }
    return tests[op]()


def _history(store_id: int, field: str, op: str, quantifier: str, value: Any) -> Expr:
    """Return an EXISTS over the customer's orders (or their lines) quantified any/all/none."""
    column, lines, cancelled_count = HISTORY[field]
    rows = select(literal(1)).select_from(Order)
    if lines:
        rows = rows.join(LineItem, LineItem.order_id == Order.id)
    rows = rows.where(
        Order.store_id == store_id,
        Order.customer_id == Customer.id,
        func.coalesce(column, "") != "",
    ).correlate(Customer)
    if not cancelled_count:
        rows = rows.where(Order.cancelled_at.is_(None))
    if op in ("is_empty", "is_not_empty"):
        return not_(exists(rows)) if op == "is_empty" else exists(rows)
    coupon = field == "orders.coupon_code"
    hit = _coupon(op, column, value) if coupon else _text_op(op, column, value)
    if quantifier == "none":
        return not_(exists(rows.where(hit)))
    if quantifier == "all":
        return and_(exists(rows), not_(exists(rows.where(not_(hit)))))
    return exists(rows.where(hit))


def _coupon(op: str, column: Any, value: Any) -> Expr:
    """Compare one order's coupon codes (a ',a,b,' list): '=' finds the code among them."""
    codes = func.lower(func.coalesce(column, ""))
    tests: dict[str, Callable[[], Expr]] = {
        "=": lambda: codes.contains(f",{_norm(value)},", autoescape=True),
        "!=": lambda: codes != f",{_norm(value)},",
        "contains": lambda: codes.contains(_norm(value), autoescape=True),
        "in": lambda: or_(false(), *(_coupon("=", column, v) for v in value or [])),
    }
    return tests[op]()
