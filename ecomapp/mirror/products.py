"""Upsert products and variants; report stock changes as inventory events."""

from __future__ import annotations

from sqlalchemy import select

from ecomapp.events import emit
from ecomapp.extensions import db
from ecomapp.mirror.freshness import is_stale, stamp
from ecomapp.mirror.locations import drop_level, has_levels, record_level, total_stock
from ecomapp.mirror.records import InventoryRecord, ProductRecord, VariantRecord
from ecomapp.mirror.upsert import upsert_row
from ecomapp.models import Product, Store, Variant
from ecomapp.models.types import normalize_tags, utcnow


def find_product(store: Store, platform_id: str) -> Product | None:
    """Return the store's product with this platform id."""
    return db.session.scalar(
        select(Product).where(Product.store_id == store.id, Product.platform_id == platform_id)
    )


def apply_product(store: Store, rec: ProductRecord) -> Product:
    """Upsert a product and its variants; older versions are ignored, re-sends emit nothing."""
    product, created = upsert_row(Product, store.id, rec.platform_id)
    if not created and is_stale(product.platform_updated_at, rec.updated_at):
        return product
    seen = None if created else fingerprint(product)
    for name in ("title", "handle", "vendor", "product_type", "status", "image_url"):
        setattr(product, name, getattr(rec, name))
    if rec.tags is not None:
        product.tags = normalize_tags(rec.tags)
    _apply_collection_facts(product, rec)
    product.deleted_at = None
    product.platform_created_at = product.platform_created_at or rec.created_at
    product.platform_updated_at = rec.updated_at or product.platform_updated_at
    db.session.flush()
    for vrec in rec.variants:
        _apply_variant(store, product, vrec, rec)
    if created:
        key, kind = f"product.created:{rec.platform_id}", "product.created"
    elif fingerprint(product) != seen:
        key, kind = f"product.updated:{rec.platform_id}:{stamp(rec.updated_at)}", "product.updated"
    else:
        return product
    emit(store.id, kind, "product", product.id, product_facts(product), key, rec.updated_at)
    return product


def _apply_collection_facts(product: Product, rec: ProductRecord) -> None:
    """Keep what smart collections read: ratings and category ids, when the record has them."""
    if rec.rating is not None:
        product.rating, product.rating_count = rec.rating, rec.rating_count
    if rec.categories is not None:
        product.categories = normalize_tags(rec.categories)


_VARIANT_FACTS: tuple[str, ...] = ("platform_id", "title", "sku", "price", "inventory_item_id")
_VARIANT_FACTS += ("low_stock_threshold",)


def fingerprint(product: Product) -> tuple[object, ...]:
    """Return what the app reads of a product and its variants (stock has its own event)."""
    names = ("title", "handle", "vendor", "product_type", "status", "image_url", "deleted_at")
    variants = tuple(
        tuple(getattr(v, n) for n in _VARIANT_FACTS)
        for v in sorted(product.variants, key=lambda v: v.platform_id)
    )
    return (*(getattr(product, n) for n in names), tuple(product.tags), variants)


def product_facts(product: Product) -> dict[str, object]:
    """Return the platform-neutral facts a product event carries."""
    return {
        "product_id": product.id,
        "title": product.title,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "status": product.status,
        "tags": list(product.tags),
    }


def _apply_variant(
    store: Store, product: Product, vrec: VariantRecord, prec: ProductRecord
) -> None:
    variant = db.session.scalar(
        select(Variant).where(Variant.store_id == store.id, Variant.platform_id == vrec.platform_id)
    )
    if variant is None:
        variant = Variant(store_id=store.id, platform_id=vrec.platform_id)
        product.variants.append(variant)
    previous = variant.inventory_quantity
    for name in ("title", "sku", "price", "inventory_item_id", "low_stock_threshold"):
        value = getattr(vrec, name)
        if value is not None:
            setattr(variant, name, value)
    variant.platform_updated_at = prec.updated_at
    # Once locations report their own levels, their sum is the stock: a product's total
    # cannot be split by location and would fight the sum (see docs/shopify.md).
    if vrec.inventory_quantity is not None and not has_levels(store, variant):
        set_stock(store, variant, vrec.inventory_quantity, prec.updated_at, previous)


DEFAULT_LOW_STOCK_THRESHOLD = 5


def low_stock_threshold(store: Store, variant: Variant) -> int:
    """Return the variant's own low-stock threshold, else the store's default (Shopify has none)."""
    if variant.low_stock_threshold is not None:
        return variant.low_stock_threshold
    return int(store.settings.get("low_stock_threshold", DEFAULT_LOW_STOCK_THRESHOLD))


def set_stock(
    store: Store,
    variant: Variant,
    available: int,
    at: object,
    previous: int | None,
    location_id: str | None = None,
) -> None:
    """Set a variant's stock and emit inventory.changed when it moved."""
    variant.inventory_quantity = available
    db.session.flush()
    if previous is None or previous == available:
        return
    data = {
        "variant_id": variant.id,
        "product_id": variant.product_id,
        "sku": variant.sku,
        "previous": previous,
        "available": available,
        "threshold": low_stock_threshold(store, variant),
    }
    where = variant.platform_id if location_id is None else f"{variant.platform_id}@{location_id}"
    key = f"inventory:{where}:{previous}->{available}:{stamp(at or utcnow())}"  # type: ignore[arg-type]
    emit(store.id, "inventory.changed", "variant", variant.id, data, key)


def _stock_variant(store: Store, rec: InventoryRecord) -> Variant | None:
    column = Variant.inventory_item_id if rec.inventory_item_id else Variant.platform_id
    value = rec.inventory_item_id or rec.variant_platform_id
    stmt = select(Variant).where(Variant.store_id == store.id, column == value)
    if rec.location_id is not None:
        # Levels of one variant arriving together must sum one after the other (PostgreSQL).
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def apply_inventory(store: Store, rec: InventoryRecord) -> Variant | None:
    """Apply a stock level (a location's, or the whole) to its variant; None when unknown."""
    variant = _stock_variant(store, rec)
    if variant is None:
        return None
    previous = variant.inventory_quantity
    if rec.location_id is None:
        set_stock(store, variant, rec.available, rec.updated_at, previous)
    elif record_level(store, variant, rec.location_id, rec):
        total = total_stock(store, variant)
        set_stock(store, variant, total, rec.updated_at, previous, rec.location_id)
    return variant


def disconnect_location(store: Store, rec: InventoryRecord) -> Variant | None:
    """Forget a location that no longer stocks a variant; its stock is the remaining sum."""
    variant = _stock_variant(store, rec) if rec.location_id is not None else None
    if variant is None or not drop_level(store, variant, str(rec.location_id)):
        return variant
    previous = variant.inventory_quantity
    total = total_stock(store, variant)
    set_stock(store, variant, total, rec.updated_at, previous, rec.location_id)
    return variant


def delete_product(store: Store, platform_id: str) -> Product | None:
    """Mark a product deleted (kept for order history) and emit product.deleted."""
    product = find_product(store, platform_id)
    if product is None or product.deleted_at is not None:
        return product
    product.deleted_at = utcnow()
    product.status = "deleted"
    emit(
        store.id,
        "product.deleted",
        "product",
        product.id,
        product_facts(product),
        f"product.deleted:{platform_id}",
    )
    return product
