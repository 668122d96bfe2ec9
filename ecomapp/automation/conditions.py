"""Pure condition evaluation over a snapshot; every comparison is traced with its actual value."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ecomapp.automation.fields import FIELDS

Snapshot = dict[str, Any]
PREVIOUS = "_previous"
OBJECTS = "_objects"  # the event's objects (ids, names) for actions and templates


def evaluate(
    group: dict[str, Any], snap: Snapshot, fields: Mapping[str, str] = FIELDS
) -> tuple[bool, list[dict[str, Any]]]:
    """Return whether a condition group holds, and the trace of each comparison.

    `fields` gives each field's type (segments pass their own field registry).
    """
    trace: list[dict[str, Any]] = []
    return _group(group, snap, trace, "conditions", fields), trace


def holds_any(group: dict[str, Any], snap: Snapshot) -> tuple[bool, list[dict[str, Any]]]:
    """Evaluate an exit group: an empty group never holds."""
    items: list[Any] = next(iter(group.values()), [])
    if not items:
        return False, []
    trace: list[dict[str, Any]] = []
    return _group(group, snap, trace, "exit_conditions", FIELDS), trace


def _group(
    group: dict[str, Any],
    snap: Snapshot,
    trace: list[dict[str, Any]],
    path: str,
    fields: Mapping[str, str],
) -> bool:
    mode, items = next(iter(group.items()))
    results = []
    for i, item in enumerate(items):
        here = f"{path}.{mode}[{i}]"
        if "all" in item or "any" in item:
            results.append(_group(item, snap, trace, here, fields))
        else:
            results.append(_check(item, snap, trace, here, fields))
    return all(results) if mode == "all" else any(results)


def _check(
    cond: dict[str, Any],
    snap: Snapshot,
    trace: list[dict[str, Any]],
    path: str,
    fields: Mapping[str, str],
) -> bool:
    field, op = cond["field"], cond["op"]
    actual = snap.get(field)
    expected = snap.get(cond["ref"]) if "ref" in cond else cond.get("value")
    if op == "changed":
        previous = snap.get(PREVIOUS, {}).get(field)
        result = _changed(cond, previous, actual, snap)
        expected = {k: cond[k] for k in ("from", "to") if k in cond}
        actual = {"from": previous, "to": actual}
    elif fields[field] == "list":
        result = _quantified(cond.get("quantifier", "any"), op, actual or [], expected)
    else:
        result = compare(op, actual, expected)
    trace.append(
        {
            "path": path,
            "field": field,
            "op": op,
            "expected": _plain(expected),
            "actual": _plain(actual),
            "result": result,
        }
    )
    return result


def _quantified(quantifier: str, op: str, values: list[Any], expected: Any) -> bool:
    if op in ("is_empty", "is_not_empty"):
        return compare(op, values, None)
    hits = [compare(op, v, expected) for v in values]
    if quantifier == "all":
        return bool(hits) and all(hits)
    if quantifier == "none":
        return not any(hits)
    return any(hits)


def _changed(cond: dict[str, Any], previous: Any, current: Any, snap: Snapshot) -> bool:
    if previous is None or previous == current:
        return False
    for side, value in (("from", previous), ("to", current)):
        if side in cond:
            sub = cond[side]
            target = snap.get(sub["ref"]) if "ref" in sub else sub.get("value")
            if not compare(sub["op"], value, target):
                return False
    return True


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _text(value: Any) -> str:
    return str(value).strip().lower() if value is not None else ""


def compare(op: str, actual: Any, expected: Any) -> bool:
    """Apply one operator to an actual and an expected value (texts compare case-blind)."""
    if op == "is_empty":
        return actual is None or actual == "" or actual == []
    if op == "is_not_empty":
        return not compare("is_empty", actual, expected)
    if op == "contains":
        if isinstance(actual, list):
            return _text(expected) in {_text(a) for a in actual}
        return _text(expected) in _text(actual)
    if op == "starts_with":
        return _text(actual).startswith(_text(expected))
    if op == "in":
        return any(compare("=", actual, e) for e in expected or [])
    if op == "between":
        low, high, value = _number(expected[0]), _number(expected[1]), _number(actual)
        return None not in (low, high, value) and low <= value <= high  # type: ignore[operator]
    if op in ("=", "!="):
        equal = _equal(actual, expected)
        return equal if op == "=" else not equal
    return _order(op, _number(actual), _number(expected))


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return bool(actual) == (
            expected if isinstance(expected, bool) else _text(expected) == "true"
        )
    a, e = _number(actual), _number(expected)
    if a is not None and e is not None:
        return a == e
    return _text(actual) == _text(expected)


def _order(op: str, a: Decimal | None, e: Decimal | None) -> bool:
    if a is None or e is None:
        return False
    return {"<": a < e, "<=": a <= e, ">": a > e, ">=": a >= e}[op]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
