"""Record an inbound delivery once; a duplicate is acknowledged and not processed again."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached

from ecomapp.extensions import db
from ecomapp.jobs.ingest import ingest_delivery
from ecomapp.jobs.queue import enqueue
from ecomapp.models import InboxDelivery

# The databases we run on, both with INSERT … ON CONFLICT DO NOTHING RETURNING.
UPSERT_INSERTS: dict[str, Any] = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def record_delivery(
    platform: str,
    external_id: str,
    topic: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    store_id: int | None = None,
    shop_domain: str | None = None,
) -> tuple[InboxDelivery, bool]:
    """Commit one inbox row and enqueue its ingestion; return (row, created)."""
    values: dict[str, Any] = {
        "platform": platform,
        "external_id": external_id,
        "topic": topic,
        "body": body,
        "headers": dict(headers or {}),
        "store_id": store_id,
        "shop_domain": shop_domain,
    }
    new_id = _insert_or_ignore(values)
    if new_id is None:
        db.session.commit()
        return _existing(platform, external_id), False
    delivery = InboxDelivery(id=new_id, **values)
    make_transient_to_detached(delivery)  # the row we just inserted, without reading it back
    db.session.add(delivery)
    enqueue(ingest_delivery, new_id, store_id=store_id)
    db.session.commit()
    return delivery, True


@cache
def _insert_statement(dialect: str) -> Insert:
    """Return the insert-or-ignore statement for a dialect, built once (values bound per call)."""
    table = InboxDelivery.__table__
    return (
        UPSERT_INSERTS[dialect](table)
        .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        .returning(table.c.id)
    )


def _insert_or_ignore(values: dict[str, Any]) -> int | None:
    """Insert the row unless (platform, external_id) exists; return its new id or None.

    Inside the caller's transaction the row commits with it. With no transaction open (the
    webhook doors) the INSERT runs alone in autocommit mode: durable when it returns, and one
    round trip instead of BEGIN, INSERT, COMMIT.
    """
    if db.session().in_transaction():
        connection = db.session.connection()
        statement = _insert_statement(connection.dialect.name)
        return connection.execute(statement, values).scalar_one_or_none()
    with db.engine.connect() as alone:
        alone = alone.execution_options(isolation_level="AUTOCOMMIT")
        statement = _insert_statement(alone.dialect.name)
        return alone.execute(statement, values).scalar_one_or_none()


def _existing(platform: str, external_id: str) -> InboxDelivery:
    found = db.session.scalar(
        select(InboxDelivery).where(
            InboxDelivery.platform == platform, InboxDelivery.external_id == external_id
        )
    )
    if found is None:  # only a concurrent delete between our INSERT and this SELECT
        raise LookupError(f"inbox row {platform}:{external_id} vanished")
    return found
