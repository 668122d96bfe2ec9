"""Periodic reconciliation: fetch what changed since the last run and apply it like a webhook."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.mirror.customers import apply_customer
from ecomapp.mirror.orders import apply_order
from ecomapp.mirror.products import apply_product
from ecomapp.models import Platform, Store, utcnow
from ecomapp.models.types import as_utc
from ecomapp.platforms.shopify import normalize_graphql as g
from ecomapp.platforms.shopify.graphql import AdminClient

PERIOD_SECONDS = 15 * 60
OVERLAP = timedelta(minutes=5)
PAGE = 50
WATERMARK = "shopify_reconciled_at"


def _paged(fields: str) -> str:
    return fields.replace("variants {", "variants(first: 100) {").replace(
        "lineItems {", "lineItems(first: 100) {"
    )


def page_query(resource: str, fields: str) -> str:
    """Return a paginated query for records of a resource updated after a filter."""
    return (
        f"query reconcile($cursor: String, $q: String) {{ {resource}(first: {PAGE}, "
        f"after: $cursor, query: $q, sortKey: UPDATED_AT) {{ pageInfo {{ hasNextPage endCursor }} "
        f"edges {{ node {{ {_paged(fields)} }} }} }} }}"
    )


def changed_nodes(client: AdminClient, resource: str, fields: str, since: str) -> Iterator[Any]:
    """Yield nodes of a resource updated since an ISO time, page by page."""
    cursor = None
    while True:
        variables = {"cursor": cursor, "q": f"updated_at:>'{since}'"}
        conn = client.request(page_query(resource, fields), variables).get(resource) or {}
        for edge in conn.get("edges") or []:
            yield edge["node"]
        info = conn.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        cursor = info.get("endCursor")


def _kids(node: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e["node"] for e in (node.get(name) or {}).get("edges") or []]


def reconcile_store(store_id: int) -> int:
    """Job: apply every product, customer and order changed since the watermark; return count."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return 0
    started = utcnow()
    mark = store.settings.get(WATERMARK)
    since_text = mark or (as_utc(store.installed_at) - OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")
    client, count = AdminClient(store), 0
    for node in changed_nodes(client, "products", g.PRODUCT_FIELDS, since_text):
        apply_product(store, g.gql_product(node, _kids(node, "variants")))
        count += 1
    for node in changed_nodes(client, "customers", g.CUSTOMER_FIELDS, since_text):
        apply_customer(store, g.gql_customer(node))
        count += 1
    for node in changed_nodes(client, "orders", g.ORDER_FIELDS, since_text):
        apply_order(store, g.gql_order(node, _kids(node, "lineItems")))
        count += 1
    store.settings = {
        **store.settings,
        WATERMARK: (started - OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    db.session.commit()
    return count


def reconcile_all() -> None:
    """Periodic job: queue a reconciliation for every installed, authorised Shopify store."""
    ids = db.session.scalars(
        select(Store.id).where(
            Store.platform == Platform.SHOPIFY.value,
            Store.uninstalled_at.is_(None),
            Store.needs_reauth_since.is_(None),  # would fail at once; resumes after reopening
        )
    )
    for store_id in ids:
        enqueue_after_commit(reconcile_store, store_id, store_id=store_id)
    db.session.commit()
