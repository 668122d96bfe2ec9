"""The demo store's stock story: one product sold out for weeks, one running low."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ecomapp.extensions import db
from ecomapp.models import ProductStockState, Store

SOLD_OUT_DAYS = 20
LOW_STOCK = 3  # under the demo threshold of 5


def stock_story(store: Store, variants: list[dict[str, Any]], anchor: datetime) -> None:
    """Sell out the second product (since SOLD_OUT_DAYS) and bring the third under threshold."""
    products = list(dict.fromkeys(v["product"] for v in variants))
    if len(products) < 3:
        return
    sold_out, low = products[1], products[2]
    for variant in sold_out.variants:
        variant.inventory_quantity = 0
    for variant in low.variants:
        variant.inventory_quantity = LOW_STOCK
    since = anchor - timedelta(days=SOLD_OUT_DAYS)
    db.session.add(
        ProductStockState(store_id=store.id, product_id=sold_out.id, sold_out_since=since)
    )
    db.session.flush()
