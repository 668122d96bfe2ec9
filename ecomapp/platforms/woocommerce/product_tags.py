"""Native WooCommerce product tags: resolved to term ids, written through products/batch.

wc/v3 sets a product's tags from the `id` of each entry (names alone are ignored), and the
list replaces the product's tags: so tags are resolved (created when missing) and merged with
the tags the product has now.
"""

from __future__ import annotations

from typing import Any

from ecomapp.jobs.retry import PermanentError
from ecomapp.platforms.base import TagChange
from ecomapp.platforms.woocommerce.client import BATCH_SIZE, WooClient, WooCommerceError


def tag_id(client: WooClient, name: str) -> int:
    """Return the id of the product tag with this name, creating it when missing."""
    for term in client.request("GET", "products/tags", search=name, per_page=100):
        if str(term.get("name", "")).lower() == name.lower():
            return int(term["id"])
    try:
        return int(client.request("POST", "products/tags", {"name": name})["id"])
    except WooCommerceError as exc:
        if exc.status != 400:
            raise
        # term_exists (a tag made meanwhile): search again rather than trust the error body.
        found = client.request("GET", "products/tags", search=name, per_page=100)
        return next(int(t["id"]) for t in found if str(t.get("name")).lower() == name.lower())


def _current(client: WooClient, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ",".join(ids[start : start + BATCH_SIZE])
        for item in client.all("products", include=chunk):
            found[str(item["id"])] = list(item.get("tags") or [])
    return found


def write_product_tags(client: WooClient, changes: list[TagChange]) -> None:
    """Add and remove tags on many products: read 100, write products/batch of 100, check."""
    names = {n for c in changes for n in c.add}
    ids = {name: tag_id(client, name) for name in sorted(names)}
    current = _current(client, [c.platform_id for c in changes])
    items = []
    for change in changes:
        drop = {n.lower() for n in change.remove}
        kept = [
            {"id": int(t["id"])}
            for t in current.get(change.platform_id, [])
            if str(t.get("name", "")).lower() not in drop
        ]
        added = [{"id": ids[n]} for n in change.add if {"id": ids[n]} not in kept]
        items.append({"id": int(change.platform_id), "tags": kept + added})
    problems = [
        f"product {r.get('id')}: {(r.get('error') or {}).get('message')}"
        for r in client.batch("products", "update", items)
        if "error" in r
    ]
    if problems:
        raise PermanentError("WooCommerce refused product tags: " + "; ".join(problems))
