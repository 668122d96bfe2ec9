"""Products and sales in the mirror for smart collection tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ecomapp.extensions import db
from ecomapp.mirror.records import LineRecord
from ecomapp.models import SmartCollection, Store
from tests.factories import make_order, make_product, next_id


def products(store: Store, ids: list[str], created: datetime, **fields: Any) -> None:
    """Put products with these platform ids in the mirror, created at `created`."""
    for pid in ids:
        make_product(store, platform_id=pid, title=f"Jacket {pid}", created_at=created, **fields)


def sell(store: Store, pid: str, quantity: int, at: datetime, price: str = "10.00") -> None:
    """Record one paid order of `quantity` units of product `pid`, placed at `at`."""
    line = LineRecord(
        platform_id=next_id(),
        title=f"Jacket {pid}",
        quantity=quantity,
        price=Decimal(price),
        product_platform_id=pid,
        variant_platform_id=f"{pid}-v",
        product_type="Jackets",
    )
    make_order(store, placed_at=at, lines=[line])


def collection(store: Store, kind: str = "best_sellers", **fields: Any) -> SmartCollection:
    """Create a smart collection due now."""
    row = SmartCollection(
        store_id=store.id,
        title=fields.pop("title", "Best sellers"),
        kind=kind,
        size_limit=fields.pop("size_limit", 3),
        next_refresh_at=fields.pop("next_refresh_at", datetime(2026, 1, 1)),
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


DAY = timedelta(days=1)
