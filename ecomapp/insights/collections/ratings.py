"""Ratings that live outside product payloads (Shopify metafields), copied into the mirror."""

from __future__ import annotations

from sqlalchemy import bindparam, update

from ecomapp.extensions import db
from ecomapp.models import Product, Store
from ecomapp.platforms.base import PlatformAdapter


def mirror_ratings(store: Store, adapter: PlatformAdapter) -> int:
    """Copy the platform's product ratings into the mirror in one executemany; return the count."""
    ratings = adapter.read_ratings(store)
    if not ratings:
        return 0
    table = Product.__table__
    stmt = (
        update(table)
        .where(table.c.store_id == store.id, table.c.platform_id == bindparam("pid"))
        .values(rating=bindparam("avg"), rating_count=bindparam("n"))
    )
    rows = [{"pid": pid, "avg": avg, "n": n} for pid, (avg, n) in ratings.items()]
    db.session.execute(stmt, rows, execution_options={"synchronize_session": False})
    db.session.commit()
    return len(rows)
