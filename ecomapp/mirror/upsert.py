"""Race-free upserts: insert-or-ignore the row by its platform id, then lock it for this update.

Webhooks for one customer or order arrive together (Shopify sends orders/create, orders/paid and
orders/updated for one action) and several workers apply them at once. A read-then-insert
loses with a unique violation; a read-then-update lets an older version overwrite a newer one
that committed in between. `INSERT … ON CONFLICT DO NOTHING` waits for a concurrent insert of
the same key and never fails, and `SELECT … FOR UPDATE` makes every later version check and
write of that row happen one transaction after the other (SQLite serialises writers anyway).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ecomapp.extensions import db

Row = TypeVar("Row")

_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def upsert_row(model: type[Row], store_id: int, platform_id: str) -> tuple[Row, bool]:
    """Return the store's row with this platform id, locked until commit, and whether it is new."""
    insert = _INSERTS[db.session.get_bind().dialect.name]
    table: Any = model.__table__  # type: ignore[attr-defined]
    stmt = (
        insert(table)
        .values(store_id=store_id, platform_id=platform_id)
        .on_conflict_do_nothing(index_elements=["store_id", "platform_id"])
        .returning(table.c.id)
    )
    created = db.session.execute(stmt).scalar() is not None
    column: Any = model
    row = db.session.scalar(
        select(model)
        .where(column.store_id == store_id, column.platform_id == platform_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row, created
