"""Size checks, made before they run, for the operations that can multiply a string.

Each check computes the length the result would have from its inputs (cheaply) and refuses
it above MAX_STRING_CHARS, so a template never gets to allocate a huge string first.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any

from ecomapp.mail.render_limits import (
    MAX_LOOP_ITEMS,
    LimitExceeded,
    check_length,
    check_percent_format,
    check_size,
    tick,
)

_WIDTH_METHODS = {"center", "ljust", "rjust", "zfill"}
_AMPLIFYING_FILTERS = {
    "center",
    "indent",
    "format",
    "replace",
    "wordwrap",
    "batch",
    "slice",
    "join",
}


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) else default


def _replaced_length(text: str, old: Any, new: Any, count: Any = -1) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return len(text)
    found = text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _joined_length(separator: str, items: list[Any]) -> int:
    sizes = sum(len(item) for item in items if isinstance(item, str))
    return sizes + len(separator) * max(len(items) - 1, 0)


def check_str_method(
    text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """Refuse a str method call that would make a huge string; return its (settled) args."""
    first = args[0] if args else None
    if name in _WIDTH_METHODS:
        check_length(_int(first), f"'{name}' of that width")
    elif name == "expandtabs":
        size = _int(first if args else kwargs.get("tabsize"), 8)
        check_length(len(text) + text.count("\t") * size, "'expandtabs'")
    elif name == "replace" and len(args) >= 2:
        check_length(_replaced_length(text, *args[:3]), "'replace'")
    elif name == "join" and args:
        items = list(first or ())
        check_size(items, "the list to join")
        check_length(_joined_length(text, items), "'join'")
        return (items, *args[1:])
    elif name == "translate" and isinstance(first, dict):
        longest = max((len(v) for v in first.values() if isinstance(v, str)), default=1)
        check_length(len(text) * longest, "'translate'")
    return args


def _filter_checks(name: str, given: dict[str, Any]) -> None:
    """Check one filter call's arguments (bound to the filter's own parameter names)."""
    value = given.get("value", given.get("s"))
    text = value if isinstance(value, str) else str(value or "")
    if name == "center":
        check_length(_int(given.get("width")), "'center' of that width")
    elif name == "indent":
        width = given.get("width")
        size = len(width) if isinstance(width, str) else _int(width)
        check_length(len(text) + size * (text.count("\n") + 1), "'indent'")
    elif name == "format":
        check_percent_format(text)
    elif name == "replace":
        check_length(
            _replaced_length(text, given.get("old"), given.get("new"), given.get("count") or -1),
            "'replace'",
        )
    elif name == "wordwrap":
        lines = len(text) // max(_int(given.get("width"), 79), 1) + 1
        wrap = given.get("wrapstring") or "\n"
        check_length(len(text) + lines * len(str(wrap)), "'wordwrap'")
    elif name in ("batch", "slice"):
        count = _int(given.get("linecount", given.get("slices")))
        if count > MAX_LOOP_ITEMS:
            raise LimitExceeded(f"'{name}' into more than {MAX_LOOP_ITEMS:,} parts")


def guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter: count a step, check amplifying arguments first, the result's size after."""
    signature = inspect.signature(func)

    @wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        tick()
        if name not in _AMPLIFYING_FILTERS:
            return check_size(func(*args, **kwargs), f"the result of '{name}'")
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return func(*args, **kwargs)  # the filter raises its own clear error
        bound.apply_defaults()
        if name == "join":
            materialised = list(bound.arguments["value"])
            check_size(materialised, "the list to join")
            separator = str(bound.arguments.get("d") or "")
            check_length(_joined_length(separator, materialised), "'join'")
            bound.arguments["value"] = materialised
        _filter_checks(name, bound.arguments)
        return check_size(func(*bound.args, **bound.kwargs), f"the result of '{name}'")

    return guarded
