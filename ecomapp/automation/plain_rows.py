"""Stream a plain-column select as dicts, in chunks, for replays over a whole store's history.

A backtest reads a year of a 100,000-customer store: hundreds of thousands of rows, each turned
into a snapshot. SQLAlchemy's result rows cost more than everything else a replay does per event
(Row objects, per-value TypeDecorator calls), so on PostgreSQL the rows come straight from a
psycopg server-side cursor as tuples and only the columns whose type needs it are converted, a
whole column of a chunk at a time, with the same meaning as the column types in
`ecomapp.models.types`. A reader thread fetches the next chunks while the caller converts and
works on the current one: psycopg releases the GIL while it waits for PostgreSQL, so the
database's work overlaps the replay's instead of adding to it. Other databases (SQLite in the
embedded default and its tests) take the SQLAlchemy path; both yield the same dicts.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select

from ecomapp.extensions import db
from ecomapp.models.types import Money, TagList, UTCDateTime, as_utc

Chunk = list[dict[str, Any]]
ColumnConverter = Callable[[Sequence[Any]], list[Any]]
READ_AHEAD = 2  # chunks the reader thread may hold ready
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
    with raw.cursor(name=f"ecomapp_replay_{next(_cursor_names)}", binary=True) as cursor:
        cursor.itersize = chunk
        cursor.execute(str(compiled), params)
        for rows in read_ahead(lambda: cursor.fetchmany(chunk)):
            yield _dicts(rows, keys, convert)


def _dicts(rows: list[Any], keys: list[str], convert: list[tuple[int, ColumnConverter]]) -> Chunk:
    """Return the rows as dicts, converting the typed columns one whole column at a time."""
    if not rows:
        return []
    out = [dict(zip(keys, row, strict=True)) for row in rows]
    for i, fn in convert:
        key = keys[i]
        for values, value in zip(out, fn([row[i] for row in rows]), strict=True):
            values[key] = value
    return out


def read_ahead(fetch: Callable[[], list[Any]], depth: int = READ_AHEAD) -> Iterator[list[Any]]:
    """Yield fetch()'s batches until an empty one, a thread fetching the next ones meanwhile.

    The thread stops (after the fetch it is in) when the caller stops iterating; its errors are
    raised in the caller.
    """
    ready: queue.Queue[list[Any] | BaseException] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: list[Any] | BaseException) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            while put(batch := fetch()) and batch:
                pass
        except BaseException as exc:  # handed to the caller, which raises it
            put(exc)

    reader = threading.Thread(target=read, name="replay-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        reader.join()


def _bind(value: Any) -> Any:
    """Return a parameter as the column types bind it (aware datetimes are stored naive UTC)."""
    if isinstance(value, datetime):
        aware = as_utc(value)
        return aware.replace(tzinfo=None)
    return value


def _converter(column_type: Any) -> ColumnConverter | None:
    """Return the conversion a raw column of this type needs, or None."""
    if isinstance(column_type, UTCDateTime):
        return _utc_column
    if isinstance(column_type, Money):
        return _money_column
    if isinstance(column_type, TagList):
        tags = column_type.process_result_value
        return lambda values: [tags(value, None) if value else [] for value in values]
    return None


def _utc_column(values: Sequence[datetime | None]) -> list[datetime | None]:
    """Return the column's values as aware UTC datetimes, like as_utc (stored naive UTC)."""
    return [
        datetime.combine(value, value.time(), UTC)  # as replace(tzinfo=UTC), 5 times faster
        if value is not None and value.tzinfo is None
        else as_utc(value)
        for value in values
    ]


def _money_column(values: Sequence[int | None]) -> list[Decimal | None]:
    """Return integer cents as Decimal amounts with two places, as Money reads them."""
    return [None if value is None else Decimal(int(value)).scaleb(-2) for value in values]
