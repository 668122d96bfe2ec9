"""make_* helpers: rows built through the same code paths the app uses."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ecomapp.extensions import db
from ecomapp.mirror.orders import apply_order
from ecomapp.mirror.products import apply_product
from ecomapp.mirror.records import (
    AddressRecord,
    CustomerRecord,
    LineRecord,
    OrderRecord,
    ProductRecord,
    VariantRecord,
)
from ecomapp.models import Store

_ids = itertools.count(1)


def next_id() -> str:
    """Return a fresh platform id."""
    return str(next(_ids) + 10_000)


def make_store(platform: str = "demo", domain: str | None = None, **fields: Any) -> Store:
    """Create and commit a store."""
    store = Store(
        platform=platform,
        domain=domain or f"shop-{next_id()}.example.com",
        name=fields.pop("name", "Test Store"),
        **fields,
    )
    db.session.add(store)
    db.session.commit()
    return store


def customer_record(**fields: Any) -> CustomerRecord:
    """Return a customer record with sensible defaults."""
    pid = fields.pop("platform_id", next_id())
    defaults: dict[str, Any] = {
        "email": f"c{pid}@example.com",
        "first_name": "Test",
        "last_name": f"Customer {pid}",
        "accepts_marketing": True,
        "has_account": True,
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    return CustomerRecord(platform_id=pid, **(defaults | fields))


def order_record(customer: CustomerRecord | None = None, **fields: Any) -> OrderRecord:
    """Return an order record with one line and two addresses."""
    pid = fields.pop("platform_id", next_id())
    placed = fields.pop("placed_at", datetime(2026, 1, 2, tzinfo=UTC))
    total = Decimal(str(fields.pop("total_price", "50.00")))
    defaults: dict[str, Any] = {
        "name": f"#{pid}",
        "customer": customer or customer_record(),
        "total_price": total,
        "subtotal_price": total,
        "financial_status": "paid",
        "gateway": "manual",
        "shipping_method": "Standard",
        "placed_at": placed,
        "paid_at": placed,
        "updated_at": placed + timedelta(minutes=1),
        "lines": [
            LineRecord(
                platform_id=next_id(),
                title="Rain Shell",
                quantity=1,
                price=total,
                product_platform_id="p1",
                variant_platform_id="v1",
                vendor="Trailhead",
                product_type="Jackets",
                sku="RS-1",
            )
        ],
        "addresses": [
            AddressRecord(kind="billing", city="Portland", country_code="US"),
            AddressRecord(kind="shipping", city="Portland", country_code="US"),
        ],
    }
    return OrderRecord(platform_id=pid, **(defaults | fields))


def make_order(store: Store, **fields: Any):  # type: ignore[no-untyped-def]
    """Apply an order record to the mirror (emitting its events) and commit."""
    order = apply_order(store, order_record(**fields))
    db.session.commit()
    return order


def make_product(store: Store, stock: int = 10, threshold: int | None = 5, **fields: Any):  # type: ignore[no-untyped-def]
    """Apply a product with one variant to the mirror and commit."""
    pid = fields.pop("platform_id", next_id())
    variant = VariantRecord(
        platform_id=f"{pid}-v",
        title="Default",
        sku=f"SKU-{pid}",
        price=Decimal("20.00"),
        inventory_item_id=f"{pid}-inv",
        inventory_quantity=stock,
        low_stock_threshold=threshold,
    )
    defaults: dict[str, Any] = {
        "title": f"Product {pid}",
        "vendor": "Trailhead",
        "product_type": "Jackets",
        "tags": [],
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        "variants": [variant],
    }
    product = apply_product(store, ProductRecord(platform_id=pid, **(defaults | fields)))
    db.session.commit()
    return product
