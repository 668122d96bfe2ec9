"""Condition evaluation is a pure function of the snapshot and traces what it saw."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ecomapp.automation.conditions import PREVIOUS, evaluate

SNAP: dict[str, Any] = {
    "order.total_price": Decimal("120.00"),
    "order.line_items.vendor": ["Trailhead", "Northpeak"],
    "order.shipping_method": "Express",
    "order.tags": ["gift"],
    "customer.tags": [],
    "order.first_order": True,
    "variant.inventory_quantity": 4,
    "variant.low_stock_threshold": 5,
    PREVIOUS: {"variant.inventory_quantity": 6},
}


def _c(field: str, op: str, value: Any = None, **more: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value} | more


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (_c("order.total_price", "between", [100, 120]), True),
        (_c("order.total_price", ">=", "120.01"), False),
        (_c("order.line_items.vendor", "=", "northpeak", quantifier="any"), True),
        (_c("order.line_items.vendor", "=", "Trailhead", quantifier="all"), False),
        (_c("order.line_items.vendor", "=", "Riverstone", quantifier="none"), True),
        (_c("order.shipping_method", "in", ["Standard", "Express"]), True),
        (_c("order.tags", "contains", "GIFT"), True),
        (_c("customer.tags", "is_empty"), True),
        (_c("order.first_order", "=", True), True),
        (_c("order.shipping_method", "!=", "Express"), False),
        ({"field": "variant.inventory_quantity", "op": "<", "ref": "variant.low_stock_threshold"},
         True),
        ({"field": "variant.inventory_quantity", "op": "changed",
          "from": {"op": ">", "ref": "variant.low_stock_threshold"},
          "to": {"op": "<=", "ref": "variant.low_stock_threshold"}}, True),
        ({"field": "variant.inventory_quantity", "op": "changed", "to": {"op": "=", "value": 9}},
         False),
    ],
)  # fmt: skip
def test_condition_evaluates_against_the_snapshot(
    condition: dict[str, Any], expected: bool
) -> None:
    """Given one condition, when evaluated, then its result is as the operator says."""
    result, trace = evaluate({"all": [condition]}, SNAP)
    assert result is expected and trace[0]["result"] is expected


def test_any_group_traces_every_comparison_with_actual_values() -> None:
    """Given an any-group, when evaluated, then each comparison appears with its actual value."""
    group = {
        "any": [_c("order.total_price", "<", 10), {"all": [_c("order.tags", "contains", "x")]}]
    }
    result, trace = evaluate(group, SNAP)
    assert result is False
    assert [(t["path"], t["actual"]) for t in trace] == [
        ("conditions.any[0]", "120.00"),
        ("conditions.any[1].all[0]", ["gift"]),
    ]
