"""Stream a plain-column select as dicts, in chunks, for replays over a whole store's history.

A backtest reads a year of a 100,000-customer store: hundreds of thousands of rows, each turned
into a snapshot. SQLAlchemy's result rows cost more than everything else a replay does per event
(Row objects, per-value TypeDecorator calls), so on PostgreSQL the rows come straight from a
psycopg server-side cursor as tuples and only the columns whose type needs it are converted, with
the same meaning as the column types in `ecomapp.models.types`. Other databases (SQLite in the
embedded default and its tests) take the SQLAlchemy path; both yield the same dicts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select

from ecomapp.extensions import db
from ecomapp.models.types import Money, TagList, UTCDateTime, as_utc

Chunk = list[dict[str, Any]]
_cursor_names = itertools.count()


def stream_dicts(stmt: Select[Any], chunk: int) -> Iterator[Chunk]:
    """Yield the rows of stmt as lists of at most `chunk` dicts keyed by column label."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        yield from _from_cursor(stmt, chunk)
        return
    streamed = stmt.execution_options(stream_results=True, max_row_buffer=chunk)
    result = connection.execute(streamed)
    keys = list(result.keys())
    for rows in result.partitions(chunk):
        yield [dict(zip(keys, row, strict=True)) for row in rows]


def _from_cursor(stmt: Select[Any], chunk: int) -> Iterator[Chunk]:
    """PostgreSQL: a named (server-side) psycopg cursor inside the session's transaction."""
    connection = db.session.connection()
    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = {name: _bind(value) for name, value in compiled.params.items()}
    columns = list(stmt.selected_columns)
    keys = [str(column.key) for column in columns]
    convert = [(i, fn) for i, c in enumerate(columns) if (fn := _converter(c.type)) is not None]
    raw = connection.connection.driver_connection
    assert raw is not None  # a live session connection always has its DBAPI connection
    with raw.cursor(name=f"ecomapp_replay_{next(_cursor_names)}") as cursor:
        cursor.itersize = chunk
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(chunk):
            out = []
            for row in rows:
                values = list(row)
                for i, fn in convert:
                    values[i] = fn(values[i])
                out.append(dict(zip(keys, values, strict=True)))
            yield out


def _bind(value: Any) -> Any:
    """Return a parameter as the column types bind it (aware datetimes are stored naive UTC)."""
    if isinstance(value, datetime):
        aware = as_utc(value)
        return aware.replace(tzinfo=None)
    return value


def _converter(column_type: Any) -> Callable[[Any], Any] | None:
    """Return the conversion a raw value of this column type needs, or None."""
    if isinstance(column_type, UTCDateTime):
        return as_utc
    if isinstance(column_type, Money):
        return _money
    if isinstance(column_type, TagList):
        return lambda value: column_type.process_result_value(value, None)
    return None


def _money(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(int(value)).scaleb(-2)  # as Money reads it
