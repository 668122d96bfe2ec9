"""A batch's thousand rows in one statement, cheap on PostgreSQL too: `column IN (values)`, an
UPDATE giving each row its own values, and an INSERT of the rows not recorded yet."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import NullType, TypeEngine

from ecomapp.demo.bulk import python_defaults
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


def insert_new(
    table: Table, rows: list[dict[str, Any]], unique: Sequence[str], returning: str | None = None
) -> dict[Any, Any]:
    """Insert the rows (dicts with the same keys) whose `unique` columns match no row yet (a
    recorded one keeps its row); with `returning` (a column), return every given row's
    `returning` by its last unique value (the rows share the other unique columns' values).

    On PostgreSQL one `INSERT … SELECT … FROM unnest(one array per column)`: a multi-row VALUES
    of a thousand rows is a statement of ten thousand placeholders, split by psycopg in Python
    and planned anew by the server. Columns left out get their Python-side defaults."""
    if not rows:
        return {}
    if db.engine.dialect.name != "postgresql":
        db.session.execute(sqlite.insert(table).on_conflict_do_nothing(index_elements=unique), rows)
        return _recorded(table, rows, unique, returning) if returning else {}
    statement = postgresql.insert(table).from_select(*_unnest(table, rows, unique[-1]))
    statement = statement.on_conflict_do_nothing(index_elements=unique)
    if not returning:
        db.session.execute(statement)
        return {}
    key = unique[-1]
    found: dict[Any, Any] = dict(
        db.session.execute(statement.returning(table.c[key], table.c[returning])).all()
    )
    kept = [row for row in rows if row[key] not in found]
    return found | (_recorded(table, kept, unique, returning) if kept else {})


def _unnest(table: Table, rows: list[dict[str, Any]], key: str) -> tuple[list[str], Any]:
    """Return the column names and a SELECT of the rows' values: one array per column that
    varies (the `key` and JSON columns always), one parameter per column that does not (the
    store, the clock reading)."""
    fixed = python_defaults(table, list(rows[0]))
    varying: dict[str, list[Any]] = {}
    for name in rows[0]:
        values = [row[name] for row in rows]
        if name == key or isinstance(table.c[name].type, JSON) or not _same(values):
            varying[name] = values  # JSON always: {"a": 1} == {"a": True} in Python
        else:
            fixed[name] = values[0]
    arrays = []
    for name, values in varying.items():
        kind = table.c[name].type
        if isinstance(kind, JSON):  # the JSON text, cast by the server (no wrapper per row)
            kind, values = Text(), [json.dumps(v) for v in values]
        arrays.append(bindparam(None, values, type_=ARRAY(kind)))
    given = func.unnest(*arrays).table_valued(*varying).render_derived()
    columns: list[Any] = [
        cast(given.c[n], JSON) if isinstance(table.c[n].type, JSON) else given.c[n] for n in varying
    ]
    columns += [bindparam(None, value, type_=table.c[n].type) for n, value in fixed.items()]
    return [*varying, *fixed], select(*columns).select_from(given)


def _same(values: list[Any]) -> bool:
    """Return whether all values are equal and of one type (1 == True in Python)."""
    first = values[0]
    return all(v == first and type(v) is type(first) for v in values)


def _recorded(
    table: Table, rows: list[dict[str, Any]], unique: Sequence[str], returning: str
) -> dict[Any, Any]:
    """Return the recorded rows' `returning` by the last unique column, for the given rows."""
    *same, key = unique
    where = [table.c[name] == rows[0][name] for name in same]
    statement = select(table.c[key], table.c[returning]).where(
        *where, one_of(table.c[key], [row[key] for row in rows])
    )
    return dict(db.session.execute(statement).all())
