"""The builder's typed inputs for each action's parameters, and their text <-> value rules."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ecomapp.automation.recipes import parse_ranges
from ecomapp.automation.registry import ACTIONS, ORDER_STATUSES, Input
from ecomapp.automation.schema import InvalidAutomation

__all__ = ["ACTION_INPUTS", "ACTION_LABELS", "ORDER_STATUSES", "BadInput", "Input"]


class BadInput(ValueError):
    """A typed input's text cannot become the parameter value; `suffix` extends its path."""

    def __init__(self, reason: str, suffix: str = "") -> None:
        super().__init__(reason)
        self.reason, self.suffix = reason, suffix


# The builder's inputs and labels of each action, from the action registry.
ACTION_INPUTS: dict[str, tuple[Input, ...]] = {a.name: a.inputs for a in ACTIONS.values()}
ACTION_LABELS: dict[str, str] = {a.name: a.label for a in ACTIONS.values()}


def is_required(action: str, name: str) -> bool:
    """Return whether the schema requires this parameter of this action."""
    found = ACTIONS.get(action)
    return any(i.name == name and i.required for i in (found.inputs if found else ()))


def normalize(text: str) -> str:
    """Return form text as compared and stored: Unix newlines, no outer blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def field_text(inp: Input, value: Any) -> str:
    """Return a parameter value as its input shows it."""
    if value is None:
        return ""
    if inp.widget == "tags" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if inp.widget == "ranges" and isinstance(value, list):
        return "\n".join(_range_line(r) for r in value if isinstance(r, dict))
    return str(value)


def _range_line(item: dict[str, Any]) -> str:
    high = "" if item.get("max") in (None, "") else item["max"]
    return f"{item.get('min', 0)}-{high} = {item.get('group', '')}"


def to_value(inp: Input, text: str, templates: set[str] | None = None) -> Any:
    """Return the parameter value an input's (normalized, non-empty) text stands for."""
    if inp.widget == "tags":
        return [t.strip() for t in text.split(",") if t.strip()]
    if inp.widget == "number":
        return _number(inp, text)
    if inp.widget == "ranges":
        try:
            return parse_ranges(text)
        except InvalidAutomation as exc:
            first = exc.errors[0]
            raise BadInput(first.reason, first.path.removeprefix(f"params.{inp.name}")) from exc
    if inp.widget == "select" and text not in {v for v, _ in inp.choices}:
        raise BadInput(f"must be one of {', '.join(v for v, _ in inp.choices)}")
    if inp.widget == "template" and templates is not None and text not in templates:
        raise BadInput(f"unknown e-mail template {text!r}")
    return text


def _number(inp: Input, text: str) -> int | float:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise BadInput(f"must be a number, got {text!r}") from exc
    if not value.is_finite():
        raise BadInput(f"must be a number, got {text!r}")
    if inp.minimum is not None and value < inp.minimum:
        raise BadInput(f"must be at least {inp.minimum}")
    if inp.maximum is not None and value > inp.maximum:
        raise BadInput(f"must be at most {inp.maximum}")
    return int(value) if value == value.to_integral_value() else float(value)
