"""A condition in words for the panel (`order.total_price > customer.total_spent`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def condition_words(item: dict[str, Any]) -> str:
    """Return a condition, or a nested all/any group, as one line of words."""
    if "all" in item or "any" in item:
        mode, items = next(iter(item.items()))
        joined = "; ".join(condition_words(i) for i in items)
        words = _("all of") if mode == "all" else _("any of")
        return f"{words} ({joined})"
    field, op = item.get("field", ""), item.get("op", "")
    if item.get("quantifier") not in (None, "any"):
        field = f"{item['quantifier']} {field}"
    if op == "changed":
        sides = [f"{_(s)} {item[s]['op']} {_operand(item[s])}" for s in ("from", "to") if s in item]
        return " ".join([field, _("changed"), *sides])
    if op in ("is_empty", "is_not_empty"):
        return f"{field} {op}"
    return f"{field} {op} {_operand(item)}"


def _operand(item: dict[str, Any]) -> str:
    """Return a comparison's right side: the other field, or the value (lists joined)."""
    if "ref" in item:
        return str(item["ref"])
    value = item.get("value")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def skipped_because(definition: dict[str, Any], reasons: dict[int, int]) -> list[tuple[str, int]]:
    """Return (the failed top-level condition in words, skips) of a version's skip tallies.

    The words are "" for an `any` group none of whose conditions held.
    """
    items: list[dict[str, Any]] = next(iter(definition["conditions"].values()), [])
    out = []
    for index, n in reasons.items():
        words = condition_words(items[index]) if 0 <= index < len(items) else ""
        out.append((words, n))
    return out
