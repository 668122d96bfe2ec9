"""The Shopify adapter: deliveries in, Admin GraphQL effects out."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ecomapp.extensions import db
from ecomapp.jobs.retry import PermanentError
from ecomapp.models import InboxDelivery, Store, utcnow
from ecomapp.platforms.base import (
    DiscountSpec,
    PlatformAdapter,
    RiskAssessment,
    Subscriber,
    TagChange,
    note_marker,
)
from ecomapp.platforms.shopify import operations as ops
from ecomapp.platforms.shopify.graphql import AdminClient, user_errors
from ecomapp.platforms.shopify.topics import AFTER_UNINSTALL, HANDLERS

JOB_POLLS = 30
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
RISK_SENTIMENT = {"high": "NEGATIVE", "medium": "NEUTRAL", "low": "POSITIVE"}


class ShopifyAdapter(PlatformAdapter):
    """Shopify through webhooks, the Admin GraphQL API and Bulk Operations."""

    name = "shopify"

    def ingest(self, delivery: InboxDelivery) -> bool:
        """Apply one recorded webhook; False for unknown topics and unknown or gone shops."""
        handler = HANDLERS.get(delivery.topic)
        store = db.session.get(Store, delivery.store_id) if delivery.store_id else None
        if handler is None or store is None:
            return False
        if not store.is_active and delivery.topic not in AFTER_UNINSTALL:
            return False
        payload = json.loads(delivery.body)
        if not isinstance(payload, dict):
            raise PermanentError("webhook body is not a JSON object")
        handler(store, payload, delivery)
        return True

    def _mutate(self, store: Store, query: str, variables: dict[str, Any], field: str) -> Any:
        data = AdminClient(store).request(query, variables)
        user_errors(data.get(field), field)
        return data.get(field)

    def add_tags(self, store: Store, resource: str, platform_id: str, tags: list[str]) -> None:
        """Add tags to a customer, order or product."""
        gid = ops.gid(ops.GID_TYPES[resource], platform_id)
        self._mutate(store, ops.TAGS_ADD, {"id": gid, "tags": tags}, "tagsAdd")

    def remove_tags(self, store: Store, resource: str, platform_id: str, tags: list[str]) -> None:
        """Remove tags from a customer, order or product."""
        gid = ops.gid(ops.GID_TYPES[resource], platform_id)
        self._mutate(store, ops.TAGS_REMOVE, {"id": gid, "tags": tags}, "tagsRemove")

    tag_batch_size = ops.TAGS_BATCH_RESOURCES

    def change_tags_bulk(self, store: Store, resource: str, changes: list[TagChange]) -> None:
        """Remove and add tags on many resources as aliased fields of one GraphQL mutation."""
        if not changes:
            return
        query, variables, aliases = ops.tags_batch(resource, changes)
        data = AdminClient(store).request(query, variables)
        for alias in aliases:
            user_errors(data.get(alias), alias)

    def add_order_note(
        self, store: Store, order_platform_id: str, note: str, key: str | None = None
    ) -> None:
        """Append a line to the order's note; a keyed line already there is not added again."""
        gid = ops.gid("Order", order_platform_id)
        order = AdminClient(store).request(ops.ORDER_NOTE, {"id": gid}).get("order")
        if order is None:
            raise PermanentError(f"order {order_platform_id} not found on Shopify")
        current = order.get("note") or ""
        if key is not None:
            if note_marker(key) in current:
                return  # an earlier try appended it, then died before recording it
            note = f"{note} {note_marker(key)}"
        text = f"{current}\n{note}" if current else note
        self._mutate(store, ops.ORDER_UPDATE, {"input": {"id": gid, "note": text}}, "orderUpdate")

    def flag_order_risk(self, store: Store, order_platform_id: str, risk: RiskAssessment) -> None:
        """Record a risk assessment (level and facts) on the order."""
        sentiment = RISK_SENTIMENT.get(risk.level, "NEUTRAL")
        payload = {
            "orderId": ops.gid("Order", order_platform_id),
            "riskLevel": risk.level.upper(),
            "facts": [{"description": f, "sentiment": sentiment} for f in risk.facts],
        }
        self._mutate(store, ops.RISK_CREATE, {"input": payload}, "orderRiskAssessmentCreate")

    def _fulfillment_orders(self, store: Store, order_platform_id: str) -> list[dict[str, Any]]:
        gid = ops.gid("Order", order_platform_id)
        order = AdminClient(store).request(ops.FULFILLMENT_ORDERS, {"id": gid}).get("order")
        if order is None:
            raise PermanentError(f"order {order_platform_id} not found on Shopify")
        return list((order.get("fulfillmentOrders") or {}).get("nodes") or [])

    def hold_fulfillment(self, store: Store, order_platform_id: str, reason: str) -> None:
        """Put every open fulfillment order of the order on hold."""
        hold = {"reason": "OTHER", "reasonNotes": reason[:255]}
        for fo in self._fulfillment_orders(store, order_platform_id):
            if fo.get("status") in {"OPEN", "SCHEDULED"}:
                variables = {"id": fo["id"], "hold": hold}
                self._mutate(store, ops.HOLD, variables, "fulfillmentOrderHold")

    def release_fulfillment(self, store: Store, order_platform_id: str) -> None:
        """Release every held fulfillment order of the order."""
        for fo in self._fulfillment_orders(store, order_platform_id):
            if fo.get("status") == "ON_HOLD":
                self._mutate(store, ops.RELEASE, {"id": fo["id"]}, "fulfillmentOrderReleaseHold")

    def cancel_order_as_fraud(self, store: Store, order_platform_id: str, note: str) -> None:
        """Cancel the order with reason FRAUD, restocking and refunding to the original payment."""
        variables = {
            "orderId": ops.gid("Order", order_platform_id),
            "reason": "FRAUD",
            "restock": True,
            "refundMethod": {"originalPaymentMethodsRefund": True},
            "notifyCustomer": False,
            "staffNote": note[:255],
        }
        data = AdminClient(store).request(ops.CANCEL, variables).get("orderCancel") or {}
        user_errors({"userErrors": data.get("orderCancelUserErrors")}, "orderCancel")

    def _online_store(self, store: Store) -> str:
        nodes = AdminClient(store).request(ops.PUBLICATIONS).get("publications", {}).get("nodes")
        online = [p for p in nodes or [] if p.get("name") == "Online Store"] or (nodes or [])[:1]
        if not online:
            raise PermanentError("the shop has no sales channel publication")
        return str(online[0]["id"])

    def set_product_published(
        self, store: Store, product_platform_id: str, published: bool
    ) -> None:
        """Publish or unpublish a product on the Online Store publication."""
        variables = {
            "id": ops.gid("Product", product_platform_id),
            "input": [{"publicationId": self._online_store(store)}],
        }
        query, field = (
            (ops.PUBLISH, "publishablePublish")
            if published
            else (ops.UNPUBLISH, "publishableUnpublish")
        )
        self._mutate(store, query, variables, field)

    visibility_batch_size = ops.VISIBILITY_BATCH

    def set_products_visible(
        self, store: Store, product_platform_ids: list[str], visible: bool
    ) -> dict[str, str]:
        """(Un)publish many products on the Online Store in one aliased mutation per 50."""
        publication, refused = self._online_store(store), {}
        for start in range(0, len(product_platform_ids), ops.VISIBILITY_BATCH):
            chunk = product_platform_ids[start : start + ops.VISIBILITY_BATCH]
            query, variables, aliases = ops.visibility_batch(publication, chunk, visible)
            data = AdminClient(store).request(query, variables)
            for alias, platform_id in aliases.items():
                errors = (data.get(alias) or {}).get("userErrors") or []
                if errors:
                    refused[platform_id] = "; ".join(str(e.get("message")) for e in errors)
        return refused

    def create_discount_code(self, store: Store, spec: DiscountSpec) -> str:
        """Create a basic discount code, or find the one an earlier try made; return its id."""
        client = AdminClient(store)
        result = client.request(ops.DISCOUNT_CREATE, {"discount": _discount_input(spec)})
        payload = result.get("discountCodeBasicCreate") or {}
        if payload.get("userErrors"):
            # Shopify refuses a code that exists; codes are derived from the effect key, so an
            # existing one is ours from an earlier try that died before recording it.
            found = client.request(ops.DISCOUNT_BY_CODE, {"code": spec.code})
            if found.get("codeDiscountNodeByCode"):
                return str(found["codeDiscountNodeByCode"]["id"])
            user_errors(payload, "discountCodeBasicCreate")
        return str(payload["codeDiscountNode"]["id"])

    def read_inventory(self, store: Store, variant_platform_ids: list[str]) -> dict[str, int]:
        """Return available stock per variant platform id."""
        ids = [ops.gid("ProductVariant", v) for v in variant_platform_ids]
        nodes = AdminClient(store).request(ops.INVENTORY, {"ids": ids}).get("nodes") or []
        return {
            n["id"].rsplit("/", 1)[-1]: int(n.get("inventoryQuantity") or 0) for n in nodes if n
        }

    def set_marketing_consent(
        self, store: Store, customer_platform_id: str, subscribed: bool
    ) -> None:
        """Push e-mail marketing consent to the customer on Shopify."""
        consent = {
            "marketingState": "SUBSCRIBED" if subscribed else "UNSUBSCRIBED",
            "marketingOptInLevel": "SINGLE_OPT_IN",
        }
        payload = {
            "customerId": ops.gid("Customer", customer_platform_id),
            "emailMarketingConsent": consent,
        }
        self._mutate(
            store, ops.CONSENT_UPDATE, {"input": payload}, "customerEmailMarketingConsentUpdate"
        )

    def subscribe(self, store: Store, subscriber: Subscriber) -> str:
        """Create the customer subscribed, or set a known one's consent (confirmed opt-in)."""
        consent = {
            "marketingState": "SUBSCRIBED",
            "marketingOptInLevel": "CONFIRMED_OPT_IN",
            "consentUpdatedAt": subscriber.confirmed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        gid = self._customer_gid(store, subscriber)
        if gid is None:
            created = self._mutate(
                store,
                ops.CUSTOMER_CREATE,
                {"input": _new_customer(subscriber, consent)},
                "customerCreate",
            )
            return str(created["customer"]["id"]).rsplit("/", 1)[-1]
        payload = {"customerId": gid, "emailMarketingConsent": consent}
        self._mutate(
            store, ops.CONSENT_UPDATE, {"input": payload}, "customerEmailMarketingConsentUpdate"
        )
        return gid.rsplit("/", 1)[-1]

    def _customer_gid(self, store: Store, subscriber: Subscriber) -> str | None:
        if subscriber.platform_customer_id:
            return ops.gid("Customer", subscriber.platform_customer_id)
        query = {"query": f"email:{json.dumps(subscriber.email)}"}
        nodes = AdminClient(store).request(ops.CUSTOMER_BY_EMAIL, query).get("customers") or {}
        found = nodes.get("nodes") or []
        return str(found[0]["id"]) if found else None

    has_customer_groups = True

    def save_customer_group(self, store: Store, ref: str | None, name: str, tag: str) -> str | None:
        """Keep a customer segment whose ShopifyQL query selects the customers with the tag."""
        quoted = tag.replace("\\", "\\\\").replace("'", "\\'")
        query = f"customer_tags CONTAINS '{quoted}'"
        if ref:
            found = self._mutate(
                store,
                ops.SEGMENT_UPDATE,
                {"id": ref, "name": name, "query": query},
                "segmentUpdate",
            )
        else:
            found = self._mutate(
                store, ops.SEGMENT_CREATE, {"name": name, "query": query}, "segmentCreate"
            )
        return str(found["segment"]["id"])

    def create_collection(self, store: Store, title: str) -> str:
        """Create a manually sorted custom collection; return its gid."""
        data = {"title": title, "sortOrder": "MANUAL"}
        found = self._mutate(store, ops.COLLECTION_CREATE, {"input": data}, "collectionCreate")
        return str(found["collection"]["id"])

    def _collection_jobs(
        self, store: Store, query: str, field: str, ref: str, key: str, items: list[Any]
    ) -> None:
        """Send items in calls of 250 and wait for each asynchronous job before the next."""
        for start in range(0, len(items), ops.COLLECTION_BATCH):
            chunk = items[start : start + ops.COLLECTION_BATCH]
            found = self._mutate(store, query, {"id": ref, key: chunk}, field)
            self._wait_for_job(store, (found or {}).get("job"))

    def _wait_for_job(self, store: Store, job: dict[str, Any] | None) -> None:
        from flask import current_app

        from ecomapp.jobs.retry import TransientError

        interval = float(current_app.config.get("SHOPIFY_BULK_POLL_SECONDS", 1.0))
        for _ in range(JOB_POLLS):
            if job is None or job.get("done"):
                return
            time.sleep(interval)
            job = AdminClient(store).request(ops.JOB, {"id": job["id"]}).get("job")
        raise TransientError("Shopify has not finished the collection job yet")

    def add_to_collection(self, store: Store, ref: str, product_ids: list[str]) -> None:
        """Add products with collectionAddProductsV2 (appended in this order when MANUAL)."""
        gids = [ops.gid("Product", p) for p in product_ids]
        query, field = ops.COLLECTION_ADD, "collectionAddProductsV2"
        self._collection_jobs(store, query, field, ref, "productIds", gids)

    def remove_from_collection(self, store: Store, ref: str, product_ids: list[str]) -> None:
        """Remove products with collectionRemoveProducts."""
        gids = [ops.gid("Product", p) for p in product_ids]
        query, field = ops.COLLECTION_REMOVE, "collectionRemoveProducts"
        self._collection_jobs(store, query, field, ref, "productIds", gids)

    def reorder_collection(self, store: Store, ref: str, moves: list[tuple[str, int]]) -> None:
        """Move products with collectionReorderProducts (newPosition is an UnsignedInt64)."""
        items = [{"id": ops.gid("Product", p), "newPosition": str(i)} for p, i in moves]
        query, field = ops.COLLECTION_REORDER, "collectionReorderProducts"
        self._collection_jobs(store, query, field, ref, "moves", items)

    def category_products(self, store: Store, category: str) -> list[str]:
        """Return the product ids of an existing collection, page after page."""
        found: list[str] = []
        client, cursor = AdminClient(store), None
        variables: dict[str, Any] = {"id": ops.gid("Collection", category)}
        while True:
            node = client.request(ops.COLLECTION_PRODUCTS, {**variables, "cursor": cursor})
            if node.get("collection") is None:
                raise PermanentError(f"collection {category} not found on Shopify")
            page = node["collection"].get("products") or {}
            found += [n["id"].rsplit("/", 1)[-1] for n in page.get("nodes") or []]
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return found
            cursor = info.get("endCursor")

    def read_ratings(self, store: Store) -> dict[str, tuple[Decimal, int]]:
        """Read the `reviews.rating` and `reviews.rating_count` metafields review apps write."""
        found: dict[str, tuple[Decimal, int]] = {}
        client, cursor = AdminClient(store), None
        while True:
            page = client.request(ops.RATINGS, {"cursor": cursor}).get("products") or {}
            for node in page.get("nodes") or []:
                rating = _rating_value(node.get("rating"))
                if rating is not None:
                    count = str((node.get("count") or {}).get("value") or "0")
                    pid = node["id"].rsplit("/", 1)[-1]
                    found[pid] = (rating, int(count) if count.isdigit() else 0)
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return found
            cursor = info.get("endCursor")

    def start_sync(self, store: Store) -> None:
        """Queue the initial Bulk Operations import."""
        from ecomapp.jobs.queue import enqueue_after_commit

        enqueue_after_commit("ecomapp.platforms.shopify.bulk:sync_job", store.id, store_id=store.id)

    def reconcile(self, store: Store) -> None:
        """Catch up on changes since the last reconciliation."""
        from ecomapp.platforms.shopify.reconcile import reconcile_store

        reconcile_store(store.id)


def _discount_input(spec: DiscountSpec) -> dict[str, Any]:
    """Return the DiscountCodeBasicInput for a spec: all customers and items, once each."""
    value: dict[str, Any] = (
        {"percentage": float(spec.percent_off) / 100}
        if spec.percent_off is not None
        else {"discountAmount": {"amount": str(spec.amount_off), "appliesOnEachItem": False}}
    )
    now = utcnow()
    discount: dict[str, Any] = {
        "title": spec.code,
        "code": spec.code,
        "startsAt": now.isoformat(),
        "context": {"all": "ALL"},
        "customerGets": {"value": value, "items": {"all": True}},
        "appliesOncePerCustomer": True,
    }
    if spec.usage_limit is not None:
        discount["usageLimit"] = spec.usage_limit
    if spec.expires_in_days is not None:
        discount["endsAt"] = (now + timedelta(days=spec.expires_in_days)).isoformat()
    return discount


def _rating_value(metafield: dict[str, Any] | None) -> Decimal | None:
    """Return a `rating` metafield's value ({"value": "4.5", "scale_max": "5.0", …}) on 0-5."""
    try:
        data = json.loads((metafield or {}).get("value") or "null")
        value, top = Decimal(str(data["value"])), Decimal(str(data.get("scale_max") or "5"))
    except (TypeError, KeyError, ValueError, ArithmeticError):
        return None
    return (value * 5 / top).quantize(Decimal("0.01")) if top > 0 else None


def _new_customer(subscriber: Subscriber, consent: dict[str, str]) -> dict[str, Any]:
    """Return the CustomerInput of a new subscriber (a phone only when in E.164 form)."""
    data: dict[str, Any] = {"email": subscriber.email, "emailMarketingConsent": consent}
    if subscriber.first_name:
        data["firstName"] = subscriber.first_name
    if subscriber.last_name:
        data["lastName"] = subscriber.last_name
    if E164.match(subscriber.phone):
        data["phone"] = subscriber.phone
    return data
