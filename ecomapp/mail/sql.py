"""`column IN (values)` for a batch's thousand ids or addresses, cheap on PostgreSQL too."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import NullType

from ecomapp.extensions import db


def one_of(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """Return `column IN (values)`; on PostgreSQL `column = ANY(array)`, one parameter.

    A list of a thousand placeholders is parsed by psycopg in Python at every execution
    (statements of more than 50 parameters are not cached) and planned anew by the server;
    one array parameter is neither."""
    items = list(values)
    if db.engine.dialect.name != "postgresql":
        return column.in_(items)
    item = String() if isinstance(column.type, NullType) else column.type  # lower(…): text
    return column == any_(bindparam(None, items, type_=ARRAY(item)))
