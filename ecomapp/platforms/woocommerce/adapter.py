"""The WooCommerce adapter: deliveries in, REST effects out."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import InboxDelivery, Product, Store, Variant
from ecomapp.models.types import utcnow
from ecomapp.platforms.base import (
    DiscountSpec,
    PlatformAdapter,
    RiskAssessment,
    Subscriber,
    TagChange,
    UnsupportedOperation,
    note_marker,
)
from ecomapp.platforms.woocommerce.apply import apply_resource
from ecomapp.platforms.woocommerce.client import WooCommerceError
from ecomapp.platforms.woocommerce.erasure import (
    CUSTOMER_DELETED_TOPIC,
    PLUGIN_ERASE_TOPIC,
    erase_by_email,
    erase_deleted_customer,
)
from ecomapp.platforms.woocommerce.plugin import apply_cart_event
from ecomapp.platforms.woocommerce.product_tags import write_product_tags
from ecomapp.platforms.woocommerce.sites import client_for
from ecomapp.platforms.woocommerce.tags import ENDPOINTS, TagEdit, write_customers, write_one

PLUGIN_CART_TOPIC = "plugin.cart"
ERASURES = {
    CUSTOMER_DELETED_TOPIC: erase_deleted_customer,
    PLUGIN_ERASE_TOPIC: erase_by_email,
}


def _edit(add: list[str], remove: list[str]) -> TagEdit:
    drop = set(remove)
    return lambda current: [t for t in [*current, *add] if t not in drop]


class WooCommerceAdapter(PlatformAdapter):
    """A WooCommerce store reached through wc/v3 and the companion plugin."""

    name = "woocommerce"

    def ingest(self, delivery: InboxDelivery) -> bool:
        """Apply a webhook or plugin delivery to the mirror; False when it was ignored."""
        store = db.session.get(Store, delivery.store_id)
        if store is None or not store.is_active:
            return False
        payload = json.loads(delivery.body)
        if delivery.topic == PLUGIN_CART_TOPIC:
            return apply_cart_event(store, payload)
        if delivery.topic in ERASURES:
            return ERASURES[delivery.topic](store, payload, delivery)
        resource = delivery.topic.partition(".")[0]
        return apply_resource(store, resource, payload)

    def _set_tags(self, store: Store, resource: str, platform_id: str, change: TagEdit) -> None:
        if resource not in ENDPOINTS:
            raise UnsupportedOperation(
                "woocommerce keeps ecomapp tags on orders and customers only"
            )
        write_one(client_for(store), resource, platform_id, change)

    def add_tags(self, store: Store, resource: str, platform_id: str, tags: list[str]) -> None:
        """Add tags, kept in the `ecomapp_tags` meta key (WooCommerce has no order tags)."""
        self._set_tags(store, resource, platform_id, lambda current: [*current, *tags])
        if resource == "order":
            self.add_order_note(store, platform_id, "ecomapp tags added: " + ", ".join(tags))

    tag_batch_size = 100  # wc/v3 batch endpoints refuse more than 100 items

    def change_tags_bulk(self, store: Store, resource: str, changes: list[TagChange]) -> None:
        """Apply many customers' tag changes: read 100, write `customers/batch` of 100, check."""
        if resource == "product":
            write_product_tags(client_for(store), changes)
            return
        if resource != "customer" or len(changes) < 2:
            super().change_tags_bulk(store, resource, changes)  # orders also get a note each
            return
        edits = {c.platform_id: _edit(c.add, c.remove) for c in changes}
        write_customers(client_for(store), edits)

    def remove_tags(self, store: Store, resource: str, platform_id: str, tags: list[str]) -> None:
        """Remove tags from the `ecomapp_tags` meta key."""
        drop = set(tags)
        self._set_tags(store, resource, platform_id, lambda cur: [t for t in cur if t not in drop])
        if resource == "order":
            self.add_order_note(store, platform_id, "ecomapp tags removed: " + ", ".join(tags))

    def add_order_note(
        self, store: Store, order_platform_id: str, note: str, key: str | None = None
    ) -> None:
        """Add a private order note; a keyed note already on the order is not added again."""
        client = client_for(store)
        endpoint = f"orders/{order_platform_id}/notes"
        if key is not None:
            marker = note_marker(key)
            if any(marker in str(n.get("note")) for n in client.request("GET", endpoint)):
                return  # an earlier try added it, then died before recording it
            note = f"{note} {marker}"
        client.request("POST", endpoint, {"note": note, "customer_note": False})

    def set_order_status(self, store: Store, order_platform_id: str, status: str) -> None:
        """Set an order's WooCommerce status (processing, on-hold, completed …)."""
        client_for(store).request("PUT", f"orders/{order_platform_id}", {"status": status})

    def hold_fulfillment(self, store: Store, order_platform_id: str, reason: str) -> None:
        """Put the order on hold with a note saying why."""
        self.set_order_status(store, order_platform_id, "on-hold")
        self.add_order_note(store, order_platform_id, f"Held by ecomapp: {reason}")

    def release_fulfillment(self, store: Store, order_platform_id: str) -> None:
        """Take the order off hold (back to processing)."""
        self.set_order_status(store, order_platform_id, "processing")

    def flag_order_risk(self, store: Store, order_platform_id: str, risk: RiskAssessment) -> None:
        """Record the verdict as a risk tag and an order note."""
        self.add_tags(store, "order", order_platform_id, [f"risk-{risk.level}"])
        facts = "; ".join(risk.facts) or "no details"
        self.add_order_note(store, order_platform_id, f"ecomapp risk {risk.level}: {facts}")

    def cancel_order_as_fraud(self, store: Store, order_platform_id: str, note: str) -> None:
        """Set the order cancelled (WooCommerce restocks its items) with a private note."""
        self.set_order_status(store, order_platform_id, "cancelled")
        self.add_order_note(store, order_platform_id, f"Cancelled as fraud by ecomapp: {note}")

    def set_product_published(
        self, store: Store, product_platform_id: str, published: bool
    ) -> None:
        """Publish a product, or take it back to draft."""
        body = {"status": "publish" if published else "draft"}
        client_for(store).request("PUT", f"products/{product_platform_id}", body)

    visibility_batch_size = 100  # products/batch refuses more than 100 items

    def set_products_visible(
        self, store: Store, product_platform_ids: list[str], visible: bool
    ) -> dict[str, str]:
        """Set catalog visibility (hidden, or visible again) through products/batch."""
        value = "visible" if visible else "hidden"
        items = [{"id": int(pid), "catalog_visibility": value} for pid in product_platform_ids]
        refused = {}
        for result in client_for(store).batch("products", "update", items):
            if "error" in result:
                error = result.get("error") or {}
                refused[str(result.get("id"))] = str(error.get("message") or error.get("code"))
        return refused

    def set_stock(self, store: Store, stock: dict[str, int]) -> None:
        """Set managed stock per product or variation id, in batches of 100 per parent."""
        parents = _parents(store, list(stock))
        groups: dict[str, list[dict[str, Any]]] = {}
        for pid, qty in stock.items():
            parent = parents.get(pid, pid)
            endpoint = "products" if parent == pid else f"products/{parent}/variations"
            item = {"id": int(pid), "manage_stock": True, "stock_quantity": qty}
            groups.setdefault(endpoint, []).append(item)
        client = client_for(store)
        for endpoint, items in groups.items():
            client.batch(endpoint, "update", items)

    def read_inventory(self, store: Store, variant_platform_ids: list[str]) -> dict[str, int]:
        """Return stock per product or variation id (variations read under their parent)."""
        client = client_for(store)
        parents = _parents(store, variant_platform_ids)
        found: dict[str, int] = {}
        for pid in variant_platform_ids:
            parent = parents.get(pid, pid)
            path = f"products/{pid}" if parent == pid else f"products/{parent}/variations/{pid}"
            found[pid] = int(client.request("GET", path).get("stock_quantity") or 0)
        return found

    def create_discount_code(self, store: Store, spec: DiscountSpec) -> str:
        """Create a coupon; return its id."""
        percent = spec.percent_off is not None
        body: dict[str, Any] = {
            "code": spec.code,
            "discount_type": "percent" if percent else "fixed_cart",
            "amount": str(spec.percent_off if percent else spec.amount_off),
            "individual_use": True,
        }
        if spec.usage_limit:
            body["usage_limit"] = spec.usage_limit
        if spec.expires_in_days:
            expires = utcnow() + timedelta(days=spec.expires_in_days)
            body["date_expires_gmt"] = expires.strftime("%Y-%m-%dT%H:%M:%S")
        if spec.customer_email:
            body["email_restrictions"] = [spec.customer_email]
        client = client_for(store)
        try:
            return str(client.request("POST", "coupons", body)["id"])
        except WooCommerceError as exc:
            # 400 woocommerce_rest_coupon_code_already_exists: codes are derived from the
            # effect key, so an existing one is ours from a try that died before recording it.
            existing = client.request("GET", "coupons", code=spec.code) if exc.status == 400 else []
            if not existing:
                raise
            return str(existing[0]["id"])

    orders_collections = False  # a category has no order of its own (menu_order is global)

    def create_collection(self, store: Store, title: str) -> str:
        """Create a product category; one already named so is reused."""
        client = client_for(store)
        try:
            return str(client.request("POST", "products/categories", {"name": title})["id"])
        except WooCommerceError as exc:
            if exc.status != 400:
                raise
            found = client.request("GET", "products/categories", search=title, per_page=100)
            same = [c for c in found if str(c.get("name")) == title]
            if not same:
                raise
            return str(same[0]["id"])

    def add_to_collection(self, store: Store, ref: str, product_ids: list[str]) -> None:
        """Assign the category to products, keeping their other categories (batches of 100)."""
        self._recategorize(store, ref, product_ids, member=True)

    def remove_from_collection(self, store: Store, ref: str, product_ids: list[str]) -> None:
        """Take the category off products, keeping their other categories (batches of 100)."""
        self._recategorize(store, ref, product_ids, member=False)

    def reorder_collection(self, store: Store, ref: str, moves: list[tuple[str, int]]) -> None:
        """Do nothing: a WooCommerce category has no order of its own."""

    def _recategorize(self, store: Store, ref: str, product_ids: list[str], member: bool) -> None:
        """Read 100 products' categories, write `products/batch` of 100, check every item."""
        client = client_for(store)
        for start in range(0, len(product_ids), 100):
            chunk = product_ids[start : start + 100]
            include = ",".join(chunk)
            current = client.request("GET", "products", include=include, per_page=100)
            updates = []
            for product in current:
                ids = [int(c["id"]) for c in product.get("categories") or []]
                kept = [i for i in ids if i != int(ref)]
                updates.append({"id": product["id"], "categories": _ids(kept, ref, member)})
            result = client.request("POST", "products/batch", {"update": updates})
            failed = [str(r.get("id")) for r in result.get("update", []) if "error" in r]
            if failed:
                raise WooCommerceError(f"products/batch refused products {failed}", 400)

    def start_sync(self, store: Store) -> None:
        """Enqueue the initial import."""
        enqueue_after_commit(f"{__package__}.sync:initial_sync", store.id, store_id=store.id)

    def subscribe(self, store: Store, subscriber: Subscriber) -> str:
        """Create or update the customer with our consent meta (WooCommerce has no field)."""
        from ecomapp.platforms.woocommerce.subscribers import subscribe

        return subscribe(store, subscriber)

    def reconcile(self, store: Store) -> None:
        """Enqueue a reconciliation pass."""
        enqueue_after_commit(f"{__package__}.sync:reconcile_store", store.id, store_id=store.id)


def _ids(kept: list[int], ref: str, member: bool) -> list[dict[str, int]]:
    """Return a product's categories for wc/v3: the kept ones, plus ours when it is a member."""
    return [{"id": i} for i in [*kept, *([int(ref)] if member else [])]]


def _parents(store: Store, variant_platform_ids: list[str]) -> dict[str, str]:
    """Return the mirrored parent product id of each variant id."""
    rows = db.session.execute(
        select(Variant.platform_id, Product.platform_id)
        .join(Product, Product.id == Variant.product_id)
        .where(Variant.store_id == store.id, Variant.platform_id.in_(variant_platform_ids))
    )
    return {variant: product for variant, product in rows}
