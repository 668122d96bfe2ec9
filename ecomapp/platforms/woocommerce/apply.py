"""Apply one wc/v3 resource (from a webhook, the import or reconciliation) to the mirror."""

from __future__ import annotations

from typing import Any

from ecomapp.mirror.customers import apply_customer
from ecomapp.mirror.orders import apply_order
from ecomapp.mirror.products import apply_product, delete_product, find_product
from ecomapp.mirror.records import ProductRecord
from ecomapp.models import Store
from ecomapp.platforms.woocommerce import normalize

DRAFT_STATUS = "checkout-draft"


def is_draft(payload: dict[str, Any]) -> bool:
    """Return True for a block-checkout draft order, which is not an order yet."""
    return payload.get("status") == DRAFT_STATUS


def apply_resource(store: Store, resource: str, payload: dict[str, Any]) -> bool:
    """Upsert one order, customer or product; return False when nothing was applied."""
    if set(payload) == {"id"}:
        return _trashed(store, resource, str(payload["id"]))
    if resource == "order":
        if is_draft(payload):
            return False
        apply_order(store, normalize.order_record(payload))
        return True
    if resource == "customer":
        apply_customer(store, normalize.customer_record(payload))
        return True
    if resource == "product":
        return apply_product_payload(store, payload)
    return False


def apply_product_payload(store: Store, payload: dict[str, Any]) -> bool:
    """Upsert a product, or a variation as a variant of its (already mirrored) parent."""
    if payload.get("type") != "variation":
        apply_product(store, normalize.product_record(payload))
        return True
    parent = find_product(store, str(payload.get("parent_id")))
    if parent is None:
        return False  # the parent arrives later; reconciliation catches the variation
    record = ProductRecord(
        platform_id=parent.platform_id,
        title=parent.title,
        handle=parent.handle,
        vendor=parent.vendor,
        product_type=parent.product_type,
        status=parent.status,
        image_url=parent.image_url,
        updated_at=parent.platform_updated_at,
        variants=[normalize.variant_record(payload)],
    )
    apply_product(store, record)
    return True


def _trashed(store: Store, resource: str, platform_id: str) -> bool:
    if resource == "product":
        return delete_product(store, platform_id) is not None
    return False  # orders and customers keep their history in the mirror
