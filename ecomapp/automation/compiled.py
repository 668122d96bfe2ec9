"""Conditions compiled once into predicates: the same answers as `evaluate`, without a trace.

The engine asks "does it match?" for every (event, automation) pair; only matched runs keep a
trace (`compile_trace`: the interpreter's trace with each path, operator and expected value
prepared once), and "why didn't it fire?" re-evaluates on demand. The
predicates reuse the interpreter's comparison functions, so both always agree; what compiling
saves is the per-event parsing of expected values, the dict walks and the trace building.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ecomapp.automation.conditions import (
    PREVIOUS,
    Snapshot,
    _changed,
    _check,
    _number,
    _plain,
    _quantified,
    _text,
    compare,
)
from ecomapp.automation.fields import FIELDS

Predicate = Callable[[Snapshot], bool]
Trace = list[dict[str, Any]]
Tracer = Callable[[Snapshot, Trace], bool]
FirstFailure = Callable[[Snapshot], int | None]  # None: the group holds
NONE_HELD = -1  # an `any` group none of whose conditions held
Comparator = Callable[[Any], bool]
_ORDER_OPS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<": lambda a, e: a < e,
    "<=": lambda a, e: a <= e,
    ">": lambda a, e: a > e,
    ">=": lambda a, e: a >= e,
}


def compile_group(group: dict[str, Any]) -> Predicate:
    """Return a predicate equal to `evaluate(group, snap)[0]`."""
    mode, items = next(iter(group.items()))
    parts = [
        compile_group(item) if ("all" in item or "any" in item) else _compile_check(item)
        for item in items
    ]
    return _all_of(parts) if mode == "all" else _any_of(parts)


def _all_of(parts: list[Predicate]) -> Predicate:
    """Return whether every part holds, stopping at the first that fails (like `all`)."""
    if len(parts) == 1:
        return parts[0]

    def holds(snap: Snapshot) -> bool:
        for part in parts:  # noqa: SIM110 (a loop: no generator per evaluation)
            if not part(snap):
                return False
        return True

    return holds


def _any_of(parts: list[Predicate]) -> Predicate:
    """Return whether some part holds, stopping at the first that does (like `any`)."""

    def holds(snap: Snapshot) -> bool:
        for part in parts:  # noqa: SIM110 (a loop: no generator per evaluation)
            if part(snap):
                return True
        return False

    return holds


def compile_first_failure(group: dict[str, Any]) -> FirstFailure:
    """Return a function giving the index of the top-level item that failed first, or None.

    It answers like `compile_group(group)` (None exactly when that holds) at the same cost: an
    `all` group stops at its first failing item, an `any` group that fails gives NONE_HELD.
    """
    mode, items = next(iter(group.items()))
    parts = [
        compile_group(item) if ("all" in item or "any" in item) else _compile_check(item)
        for item in items
    ]
    if mode == "any":
        if not parts:
            return lambda snap: NONE_HELD
        return lambda snap: None if any(part(snap) for part in parts) else NONE_HELD
    numbered = list(enumerate(parts))
    return lambda snap: next((i for i, part in numbered if not part(snap)), None)


def compile_exit(group: dict[str, Any]) -> Predicate:
    """Return a predicate equal to `holds_any(group, snap)[0]` (an empty group never holds)."""
    if not next(iter(group.values()), []):
        return lambda snap: False
    return compile_group(group)


def compile_trace(group: dict[str, Any]) -> Callable[[Snapshot], Trace]:
    """Return a function giving `evaluate(group, snap)[1]`: every comparison, with its result."""
    walk = _trace_group(group, "conditions")

    def trace(snap: Snapshot) -> Trace:
        out: Trace = []
        walk(snap, out)
        return out

    return trace


def _trace_group(group: dict[str, Any], path: str) -> Tracer:
    mode, items = next(iter(group.items()))
    parts = [
        _trace_group(item, here) if ("all" in item or "any" in item) else _trace_check(item, here)
        for i, item in enumerate(items)
        for here in (f"{path}.{mode}[{i}]",)
    ]
    if mode == "all":  # every part is traced, as the interpreter does: no short circuit
        return lambda snap, out: all([part(snap, out) for part in parts])
    return lambda snap, out: any([part(snap, out) for part in parts])


def _trace_check(cond: dict[str, Any], path: str) -> Tracer:
    field, op = cond["field"], cond["op"]
    if op == "changed" or "ref" in cond:  # their expected value is read per snapshot
        return lambda snap, out: _check(cond, snap, out, path, FIELDS)
    test, expected = _compile_check(cond), _plain(cond.get("value"))

    def traced(snap: Snapshot, out: Trace) -> bool:
        result = test(snap)
        out.append(
            {
                "path": path,
                "field": field,
                "op": op,
                "expected": expected,
                "actual": _plain(snap.get(field)),
                "result": result,
            }
        )
        return result

    return traced


def _compile_check(cond: dict[str, Any]) -> Predicate:
    field, op = cond["field"], cond["op"]
    if op == "changed":
        return lambda snap: _changed(cond, snap.get(PREVIOUS, {}).get(field), snap.get(field), snap)
    if "ref" in cond:
        ref = cond["ref"]
        if FIELDS[field] == "list":
            quantifier = cond.get("quantifier", "any")
            return lambda snap: _quantified(quantifier, op, snap.get(field) or [], snap.get(ref))
        return lambda snap: compare(op, snap.get(field), snap.get(ref))
    expected = cond.get("value")
    if FIELDS[field] == "list":
        return _compile_list(cond.get("quantifier", "any"), op, field, expected)
    one = comparator(op, expected)
    return lambda snap: one(snap.get(field))


def _compile_list(quantifier: str, op: str, field: str, expected: Any) -> Predicate:
    if op in ("is_empty", "is_not_empty"):
        return lambda snap: compare(op, snap.get(field) or [], None)
    one = comparator(op, expected)
    if quantifier == "all":
        return lambda snap: bool(values := snap.get(field) or []) and all(map(one, values))
    if quantifier == "none":
        return lambda snap: not any(map(one, snap.get(field) or []))
    return lambda snap: any(map(one, snap.get(field) or []))


def comparator(op: str, expected: Any) -> Comparator:
    """Return a function of the actual value equal to `compare(op, actual, expected)`."""
    if op in _ORDER_OPS:
        bound, test = _number(expected), _ORDER_OPS[op]
        if bound is None:
            return lambda actual: False
        return lambda actual: (number := _fast_number(actual)) is not None and test(number, bound)
    if op == "in":  # any of the values, each compared as "=" (compiled once, not per call)
        return _compile_in(list(expected or []))
    if op in ("=", "!=") and isinstance(expected, bool):
        return (lambda a: bool(a) == expected) if op == "=" else (lambda a: bool(a) != expected)
    if op in ("=", "!=") and _number(expected) is None:
        text, truthy = _text(expected), _text(expected) == "true"
        if op == "=":
            return lambda a: (bool(a) == truthy) if isinstance(a, bool) else _text(a) == text
        return lambda a: (bool(a) != truthy) if isinstance(a, bool) else _text(a) != text
    return lambda actual: compare(op, actual, expected)


def _compile_in(expected: list[Any]) -> Comparator:
    """Return "in" as one set lookup when every value compares as text, else each as "="."""
    if expected and all(_number(v) is None and not isinstance(v, bool) for v in expected):
        texts = {_text(v) for v in expected}
        # a bool actual equals the text "true" when True, and any other text when False
        when_true, when_false = "true" in texts, bool(texts - {"true"})
        return lambda a: (
            (when_true if a else when_false) if isinstance(a, bool) else _text(a) in texts
        )
    each = [comparator("=", value) for value in expected]
    return lambda actual: any(one(actual) for one in each)


def _fast_number(value: Any) -> Decimal | None:
    """Return value as a Decimal like `_number`, skipping the string round trip when possible."""
    kind = type(value)
    if kind is Decimal:
        return value if value.is_finite() else _number(value)
    if kind is int:
        return Decimal(value)
    return _number(value)
