"""Why a customer is in or out of a segment: their facts as the compiler reads them, traced.

The snapshot holds, for one customer, the value of every segment field the conditions name;
the automations' own evaluator (`conditions.evaluate`) then traces each comparison with its
actual value, so the failing condition is shown with what the customer really has.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ecomapp.automation.conditions import Snapshot, evaluate
from ecomapp.extensions import db
from ecomapp.models import Customer, LineItem, Order, SegmentMember
from ecomapp.segments.compile import COLUMNS, DAYS_COLUMNS, HISTORY, rfm_group
from ecomapp.segments.fields import SEGMENT_FIELDS
from ecomapp.segments.signup_fields import SIGNUP_FIELDS, customer_signup_facts


def _fields(group: dict[str, Any]) -> set[str]:
    items = next(iter(group.values()))
    out: set[str] = set()
    for item in items:
        out |= _fields(item) if ("all" in item or "any" in item) else {item["field"]}
    return out


def _history(customer: Customer, field: str) -> list[Any]:
    column, lines, cancelled_count = HISTORY[field]
    stmt = select(column).select_from(Order)
    if lines:
        stmt = stmt.join(LineItem, LineItem.order_id == Order.id)
    stmt = stmt.where(Order.store_id == customer.store_id, Order.customer_id == customer.id)
    if not cancelled_count:
        stmt = stmt.where(Order.cancelled_at.is_(None))
    values: list[Any] = []
    for value in db.session.scalars(stmt):
        for item in value if isinstance(value, list) else [value]:
            if item not in (None, "") and item not in values:
                values.append(item)
    return values


def _days(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else math.floor((now - moment).total_seconds() / 86400)


def snapshot(customer: Customer, fields: set[str], now: datetime) -> Snapshot:
    """Return the customer's values of the named segment fields."""
    snap: Snapshot = {}
    if fields & SIGNUP_FIELDS.keys():
        snap |= customer_signup_facts(customer)
    for field in fields - SIGNUP_FIELDS.keys():
        if field in HISTORY:
            snap[field] = _history(customer, field)
        elif field in DAYS_COLUMNS:
            snap[field] = _days(getattr(customer, DAYS_COLUMNS[field].key), now)
        elif field == "customer.rfm_group":
            snap[field] = db.session.scalar(select(rfm_group()).where(Customer.id == customer.id))
        else:
            snap[field] = getattr(customer, COLUMNS[field].key)
    return snap


def explain(
    customer: Customer, segment_id: int, conditions: dict[str, Any], now: datetime
) -> tuple[bool, bool, list[dict[str, Any]]]:
    """Return (member now per the table, conditions hold now, trace of every comparison)."""
    snap = snapshot(customer, _fields(conditions), now)
    holds, trace = evaluate(conditions, snap, SEGMENT_FIELDS)
    member = db.session.get(SegmentMember, (segment_id, customer.id)) is not None
    return member, holds, trace
