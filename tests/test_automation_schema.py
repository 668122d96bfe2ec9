"""A merchant's invalid automation is refused with the field path and the reason."""

from __future__ import annotations

from typing import Any

import pytest

from ecomapp.automation.schema import InvalidAutomation, validate

ACTION = {"type": "action", "action": "tag_customer", "params": {"tags": ["vip"]}}


def _base(**changes: Any) -> dict[str, Any]:
    return {"trigger": {"event": "order.paid"}, "steps": [ACTION]} | changes


@pytest.mark.parametrize(
    ("definition", "path", "reason"),
    [
        (_base(trigger={"event": "order.teleported"}), "trigger.event", "unknown event"),
        (
            _base(conditions={"all": [{"field": "order.colour", "op": "=", "value": 1}]}),
            "conditions.all[0].field",
            "unknown field",
        ),
        (
            _base(conditions={"all": [{"field": "order.total_price", "op": ">", "value": "x"}]}),
            "conditions.all[0].value",
            "must be a number",
        ),
        (
            _base(conditions={"any": [{"field": "order.gateway", "op": "<", "value": "a"}]}),
            "conditions.any[0].op",
            "does not apply",
        ),
        (
            _base(
                conditions={
                    "all": [{"field": "order.total_price", "op": "between", "value": [9, 1]}]
                }
            ),
            "conditions.all[0].value",
            "low ≤ high",
        ),
        (
            {"trigger": {"event": "customer.created"}, "steps": [
                {"type": "action", "action": "tag_order", "params": {"tags": ["x"]}}]},
            "steps[0].action",
            "needs a order",
        ),
        (_base(steps=[{"type": "wait", "days": 2}]), "steps", "at least one action"),
        (_base(steps=[{"type": "wait"}, ACTION]), "steps[0]", "days, hours, minutes or until"),
        (
            _base(steps=[{"type": "action", "action": "notify_merchant",
                          "params": {"channel": "webhook", "title": "t"}}]),
            "steps[0].params.url",
            "required for a webhook",
        ),
        (
            _base(steps=[{"type": "action", "action": "group_by_spend",
                          "params": {"ranges": [{"min": 5000, "max": 1000, "group": "g"}]}}]),
            "steps[0].params.ranges[0].max",
            "above min",
        ),
        (
            _base(conditions={"all": [{"field": "cart.converted", "op": "=", "value": True}]}),
            "conditions.all[0].field",
            "not available for this trigger",
        ),
        (
            {"trigger": {"schedule": {"every": "fortnight"}}, "steps": [ACTION]},
            "trigger.schedule.every",
            "must be one of",
        ),
        (
            _base(conditions={"all": [{"field": "order.total_price", "op": ">", "value": "NaN"}]}),
            "conditions.all[0].value",
            "must be a number",
        ),
        (
            _base(steps=[{"type": "action", "action": "create_discount",
                          "params": {"percent_off": 150}}]),
            "steps[0].params.percent_off",
            "between 0 and 100",
        ),
        (
            _base(steps=[{"type": "action", "action": "create_discount",
                          "params": {"percent_off": "Infinity"}}]),
            "steps[0].params.percent_off",
            "must be a number",
        ),
        (
            _base(conditions={"all": [{"any": [{"all": [
                {"field": "order.total_price", "op": ">", "value": "lots"}]}]}]}),
            "conditions.all[0].any[0].all[0].value",
            "must be a number",
        ),
        (
            _base(exit_conditions={"any": [{"all": []}]}),
            "exit_conditions.any[0]",
            "at least one condition",
        ),
        (
            _base(conditions={"all": [{"any": [{"all": [{"any": [{"all": [
                {"field": "order.total_price", "op": ">", "value": 1}]}]}]}]}]}),
            "conditions.all[0].any[0].all[0].any[0]",
            "nest at most",
        ),
        (
            _base(steps=[{"type": "branch", "if": {"all": []}, "then": [ACTION]}]),
            "steps[0].if",
            "at least one condition",
        ),
        (
            _base(steps=[{"type": "branch", "if": {"any": [
                {"field": "order.gateway", "op": "<", "value": "a"}]}, "then": [ACTION]}]),
            "steps[0].if.any[0].op",
            "does not apply",
        ),
        (
            _base(steps=[{"type": "branch", "if": {"all": [
                {"field": "order.total_price", "op": ">", "value": 1}]},
                "then": [ACTION], "else": [{"type": "action", "action": "tag_customer",
                                            "params": {"tags": []}}]}]),
            "steps[0].else[0].params.tags",
            "is required",
        ),
        (
            _base(steps=[{"type": "branch", "if": {"all": [
                {"field": "order.total_price", "op": ">", "value": 1}]},
                "then": [{"type": "wait", "days": 1}]}]),
            "steps",
            "at least one action",
        ),
        (
            _base(steps=[{"type": "loop"}]),
            "steps[0].type",
            "action, wait or branch",
        ),
    ],
)  # fmt: skip
def test_invalid_definition_is_refused_naming_field_and_reason(
    definition: dict[str, Any], path: str, reason: str
) -> None:
    """Given an invalid definition, when validated, then the error names its path and why."""
    with pytest.raises(InvalidAutomation) as caught:
        validate(definition)
    assert any(e.path == path and reason in e.reason for e in caught.value.errors), caught.value


def test_valid_definition_is_normalized_with_a_schema_version() -> None:
    """Given typographic operators, when validated, then they are stored in the plain form."""
    clean = validate(
        _base(conditions={"all": [{"field": "order.total_price", "op": "≥", "value": 10}]})
    )
    assert clean["schema_version"] == 1
    assert clean["conditions"]["all"][0]["op"] == ">="
    assert clean["exit_conditions"] == {"all": []}
