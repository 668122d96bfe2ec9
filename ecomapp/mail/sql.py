"""A batch's thousand ids in one statement, cheap on PostgreSQL too: `column IN (values)`, and
an UPDATE giving each row its own values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, any_, bindparam, func, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import NullType, TypeEngine

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


def update_by_id(
    model: type[Any],
    ids: Sequence[int],
    columns: Mapping[str, tuple[TypeEngine[Any], list[Any]]],
    **same: object,
) -> None:
    """Set each row's own values (`columns`: name → (type, one value per id)) and the `same`
    values on all, in one UPDATE.

    On PostgreSQL the values go as one array per column, joined to the rows with `unnest`
    (psycopg checks each element of a text array for quoting: fine for ids and provider ids,
    slower than an executemany for kilobytes of HTML); elsewhere as one executemany. The
    session's objects are not synchronised."""
    table = model.__table__
    if db.engine.dialect.name == "postgresql":
        arrays = [bindparam(None, list(ids), type_=ARRAY(Integer()))]
        arrays += [bindparam(None, values, type_=ARRAY(kind)) for kind, values in columns.values()]
        given = func.unnest(*arrays).table_valued("id", *columns).render_derived()
        new: dict[str, Any] = {name: given.c[name] for name in columns}
        db.session.execute(update(table).where(table.c.id == given.c.id).values(new | same))
        return
    rows = [
        {"row_id": row_id, **{f"new_{name}": columns[name][1][i] for name in columns}}
        for i, row_id in enumerate(ids)
    ]
    new = {name: bindparam(f"new_{name}") for name in columns}
    statement = update(table).where(table.c.id == bindparam("row_id")).values(new | same)
    db.session.execute(statement, rows)
