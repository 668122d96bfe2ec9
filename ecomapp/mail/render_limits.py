"""Bounds on one render of a merchant template: time, work, sizes and depth.

Jinja's sandbox stops escapes, not exhaustion: a template can ask for a billion-character
string, loop a billion times or recurse until the worker dies. Every operation that can make
something big or take long is checked here before it runs, against the budget of the render
in progress (a context variable, so concurrent renders in threads do not share one).
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2.sandbox import SecurityError

MAX_OUTPUT_CHARS = 500_000  # a rendered part
MAX_STRING_CHARS = 100_000  # any string, list or tuple one operation makes
MAX_LOOP_ITEMS = 1_000  # items of one loop or range
MAX_STEPS = 50_000  # loop iterations and calls in one render
MAX_DEPTH = 25  # nested calls: macros calling macros, recursive loops
MAX_POWER_BITS = 10_000  # size of a ** result
DEFAULT_SECONDS = 2.0
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")


class LimitExceeded(SecurityError):
    """A template asked for more than one render may use; the message says what."""


@dataclass
class Budget:
    """What the render in progress has used, and when it must stop."""

    seconds: float
    deadline: float
    steps: int = 0
    depth: int = 0
    expression_chars: int = 0


_current: ContextVar[Budget | None] = ContextVar("ecomapp_render_budget", default=None)


@contextmanager
def budget(seconds: float) -> Iterator[Budget]:
    """Run one render under a fresh budget ending `seconds` from now."""
    token = _current.set(Budget(seconds, time.monotonic() + seconds))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


def tick() -> None:
    """Count one step of work and stop the render when it is over budget or past its deadline."""
    spent = _current.get()
    if spent is None:
        return
    spent.steps += 1
    if spent.steps > MAX_STEPS:
        raise LimitExceeded(f"the template does more than {MAX_STEPS:,} loop steps and calls")
    if time.monotonic() > spent.deadline:
        raise LimitExceeded(f"the template takes longer than {spent.seconds:g} s to render")


@contextmanager
def nested() -> Iterator[None]:
    """Count one level of call nesting (macros calling macros, recursive loops)."""
    spent = _current.get()
    if spent is None:
        yield
        return
    spent.depth += 1
    try:
        if spent.depth > MAX_DEPTH:
            raise LimitExceeded(f"macros or loops nest deeper than {MAX_DEPTH} levels")
        yield
    finally:
        spent.depth -= 1


def check_size(value: Any, what: str = "a value") -> Any:
    """Refuse a string, list or tuple longer than MAX_STRING_CHARS; return the value."""
    if isinstance(value, str | bytes | list | tuple) and len(value) > MAX_STRING_CHARS:
        raise LimitExceeded(f"{what} would be longer than {MAX_STRING_CHARS:,} characters")
    return value


def check_length(length: float, what: str) -> None:
    """Refuse an operation whose result would be `length` characters or items long."""
    if length > MAX_STRING_CHARS:
        raise LimitExceeded(f"{what} would be longer than {MAX_STRING_CHARS:,} characters")


def count_output(value: Any) -> Any:
    """Count the characters of every {{ expression }}, inside macros too; return the value."""
    spent = _current.get()
    if spent is not None and isinstance(value, str):
        spent.expression_chars += len(value)
        if spent.expression_chars > 4 * MAX_OUTPUT_CHARS:
            raise LimitExceeded("the template output is too large")
    return value


def bounded_range(*args: int) -> range:
    """Return range(*args), refused when it holds more than MAX_LOOP_ITEMS numbers."""
    numbers = range(*args)
    if len(numbers) > MAX_LOOP_ITEMS:
        raise LimitExceeded(f"range() of more than {MAX_LOOP_ITEMS:,} numbers")
    return numbers


def bounded_iter(items: Iterable[Any]) -> Iterator[Any]:
    """Iterate a loop's items, refusing more than MAX_LOOP_ITEMS and counting each step."""
    size = len(items) if hasattr(items, "__len__") else 0  # type: ignore[arg-type]
    if size > MAX_LOOP_ITEMS:
        raise LimitExceeded(f"a loop over {size:,} items (at most {MAX_LOOP_ITEMS:,})")
    return _counted(items)


def _counted(items: Iterable[Any]) -> Iterator[Any]:
    for seen, item in enumerate(items, 1):
        if seen > MAX_LOOP_ITEMS:
            raise LimitExceeded(f"a loop over more than {MAX_LOOP_ITEMS:,} items")
        tick()
        yield item


def check_power(base: Any, exponent: Any) -> None:
    """Refuse a power whose result would have more than MAX_POWER_BITS bits."""
    if not isinstance(base, int) or not isinstance(exponent, int) or exponent <= 0:
        if isinstance(exponent, int | float) and abs(exponent) > MAX_POWER_BITS:
            raise LimitExceeded("the exponent is too large")
        return
    if abs(base) > 1 and abs(base).bit_length() * exponent > MAX_POWER_BITS:
        raise LimitExceeded(f"the power would have more than {MAX_POWER_BITS:,} bits")


def check_percent_format(template: str) -> None:
    """Refuse %-formatting with widths or precisions that make huge strings (or come from *)."""
    for width, precision in _PERCENT_FIELD.findall(template):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_STRING_CHARS):
                raise LimitExceeded("a % format width or precision is too large")


def check_brace_format(template: str) -> None:
    """Refuse str.format fields whose width or precision is huge or nested."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # the call itself will fail with a clear error
    for _, _, spec, _ in fields:
        if spec and (
            "{" in spec or any(int(n) > MAX_STRING_CHARS for n in re.findall(r"\d+", spec))
        ):
            raise LimitExceeded("a format width or precision is too large")
