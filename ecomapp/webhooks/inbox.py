"""Record an inbound delivery once; a duplicate is acknowledged and not processed again.

The doors' fast path: one Core `INSERT … ON CONFLICT DO NOTHING RETURNING id` in autocommit
mode (durable when it returns), then, for a new row only, its ingestion job handed to Redis in
one pipelined transaction. No ORM object, no session commit, no SELECT on the request path.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from ecomapp.extensions import db
from ecomapp.jobs.ingest import ingest_delivery
from ecomapp.jobs.queue import enqueue_after_commit, job_path, push_now
from ecomapp.models import InboxDelivery

# The databases we run on, both with INSERT … ON CONFLICT DO NOTHING RETURNING.
UPSERT_INSERTS: dict[str, Any] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
INGEST = job_path(ingest_delivery)


def record_delivery(
    platform: str,
    external_id: str,
    topic: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    store_id: int | None = None,
    shop_domain: str | None = None,
) -> tuple[int | None, bool]:
    """Record one inbox row and enqueue its ingestion; return (new row id or None, created).

    Inside the caller's open transaction the row and its job commit with it (the job is handed
    to Redis after the commit); with none open (the webhook doors) the INSERT runs alone.
    """
    values: dict[str, Any] = {
        "platform": platform,
        "external_id": external_id,
        "topic": topic,
        "body": body,
        "headers": dict(headers or {}),
        "store_id": store_id,
        "shop_domain": shop_domain,
    }
    if db.session().in_transaction():
        new_id = _insert_in_session(values)
        if new_id is not None:
            enqueue_after_commit(ingest_delivery, new_id, store_id=store_id)
        db.session.commit()
        return new_id, new_id is not None
    new_id = _insert_alone(values)
    if new_id is not None:
        push_now("default", INGEST, [new_id], store_id, 1, fresh=True)
    return new_id, new_id is not None


@cache
def _insert_statement(dialect: str) -> Insert:
    """Return the insert-or-ignore statement for a dialect, built once (values bound per call)."""
    table = InboxDelivery.__table__
    return (
        UPSERT_INSERTS[dialect](table)
        .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        .returning(table.c.id)
    )


def _insert_in_session(values: dict[str, Any]) -> int | None:
    """Insert-or-ignore on the session's connection; return the new id or None."""
    connection = db.session.connection()
    statement = _insert_statement(connection.dialect.name)
    return connection.execute(statement, values).scalar_one_or_none()


def _insert_alone(values: dict[str, Any]) -> int | None:
    """Insert-or-ignore in autocommit mode: one round trip instead of BEGIN, INSERT, COMMIT.

    The pool does not ping a connection before handing it out (a round trip per request);
    a connection the server closed meanwhile fails here, the pool drops it and every
    connection as old, and the INSERT is tried once more on a fresh one.
    """
    try:
        return _execute_alone(values)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        return _execute_alone(values)


def _execute_alone(values: dict[str, Any]) -> int | None:
    with db.engine.connect() as alone:
        alone = alone.execution_options(isolation_level="AUTOCOMMIT")
        statement = _insert_statement(alone.dialect.name)
        return alone.execute(statement, values).scalar_one_or_none()
