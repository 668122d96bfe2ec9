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


def test_compiled_trace_of_nested_groups_equals_the_interpreters() -> None:
    """Given nested all/any groups with references and a change condition, when the batch's
    compiled trace runs, then it lists every comparison as `evaluate` does (paths included)."""
    from ecomapp.automation.compiled import compile_trace

    quantity, threshold = "variant.inventory_quantity", "variant.low_stock_threshold"
    group = {
        "all": [
            _c("order.total_price", ">", 100),
            {"any": [_c("order.tags", "contains", "x"), _c("order.shipping_method", "in", ["X"])]},
            {"field": quantity, "op": "<", "ref": threshold},
            {"field": quantity, "op": "changed", "to": {"op": "=", "value": 4}},
        ]
    }
    assert compile_trace(group)(SNAP) == evaluate(group, SNAP)[1]
    assert compile_trace({"all": []})(SNAP) == []


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


_PROBES: list[Any] = [
    None, True, False, 0, 4, "4", "4.00", Decimal("120.00"), Decimal("-1"), "Express", "express ",
    "", "true", "abc", [], ["Trailhead"], ["x", "Express"], "NaN",
]  # fmt: skip
_OPS = ("=", "!=", "<", "<=", ">", ">=", "contains", "in", "between", "is_empty", "is_not_empty")


def _expected_for(op: str, value: Any) -> Any:
    if op == "in":
        return [value, "Standard"]
    if op == "between":
        return [value, 200]
    return value


@pytest.mark.parametrize("op", _OPS)
@pytest.mark.parametrize("field", ["order.total_price", "order.shipping_method", "order.tags"])
def test_compiled_conditions_answer_exactly_as_the_interpreter(op: str, field: str) -> None:
    """Given any operator, value and actual value (numbers, texts, booleans, lists, blanks),
    when the condition is compiled, then it answers and traces as `evaluate` does, for every
    quantifier."""
    from ecomapp.automation.compiled import compile_group, compile_trace

    for expected in _PROBES:
        for quantifier in ("any", "all", "none"):
            cond = _c(field, op, _expected_for(op, expected), quantifier=quantifier)
            predicate = compile_group({"all": [cond]})
            tracer = compile_trace({"all": [cond]})
            for actual in _PROBES:
                value = actual if field != "order.tags" or isinstance(actual, list) else [actual]
                snap = {field: value}
                try:
                    want: Any = evaluate({"all": [cond]}, snap)[0]
                except Exception as exc:  # the interpreter refuses: so must the compiled form
                    want = type(exc)
                try:
                    got: Any = predicate(snap)
                except Exception as exc:
                    got = type(exc)
                assert got == want, (cond, actual)
                if not isinstance(want, type):  # the batch's trace of a matched run: the same
                    assert tracer(snap) == evaluate({"all": [cond]}, snap)[1], (cond, actual)
