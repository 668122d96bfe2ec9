"""`month_key(ts)` / `day_key(ts)`: 'YYYY-MM' / 'YYYY-MM-DD' of a timestamp, in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class month_key(FunctionElement[str]):
    """The 'YYYY-MM' of a naive UTC timestamp column."""

    type = String()
    inherit_cache = True
    name = "month_key"


@compiles(month_key, "postgresql")
def _month_key_postgresql(element: month_key, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(month_key)
def _month_key_sqlite(element: month_key, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


class day_key(FunctionElement[str]):
    """The 'YYYY-MM-DD' of a naive UTC timestamp column."""

    type = String()
    inherit_cache = True
    name = "day_key"


@compiles(day_key, "postgresql")
def _day_key_postgresql(element: day_key, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


@compiles(day_key)
def _day_key_sqlite(element: day_key, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d', {compiler.process(element.clauses, **kw)})"
