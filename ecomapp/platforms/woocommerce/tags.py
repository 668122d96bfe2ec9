"""ecomapp tags on WooCommerce orders and customers: one meta key, written, then read back.

WooCommerce answers 200 to a write whose meta it did not keep (protected `_` keys on
customers; customer meta hidden from keys of non-administrators), so every write is checked
against the item the store sends back, and a missing key is a failure, never a success.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ecomapp.jobs.retry import PermanentError
from ecomapp.models.types import normalize_tags
from ecomapp.platforms.woocommerce.client import BATCH_SIZE, WooClient
from ecomapp.platforms.woocommerce.normalize import TAGS_META_KEY, has_meta, meta_tags

TagEdit = Callable[[list[str]], list[str]]  # current tags -> new tags
ENDPOINTS = {"order": "orders", "customer": "customers"}


class TagsNotStored(PermanentError):
    """The store answered but did not keep the ecomapp_tags meta."""


def _body(tags: list[str]) -> dict[str, Any]:
    return {"meta_data": [{"key": TAGS_META_KEY, "value": ",".join(tags)}]}


def _landed(resource: str, item: dict[str, Any], expected: list[str]) -> str | None:
    """Return why the write did not land on this item, or None when it did."""
    if "error" in item:
        error = item["error"] or {}
        return f"{resource} {item.get('id')}: {error.get('message') or error.get('code')}"
    if not has_meta(item, TAGS_META_KEY):
        return (
            f"{resource} {item.get('id')}: the store answered 200 but its meta_data has no "
            f"'{TAGS_META_KEY}' (a plugin may protect the key, or the API key's user is not an "
            "administrator: WooCommerce shows customer meta to administrators only)"
        )
    if meta_tags(item) != expected:
        return f"{resource} {item.get('id')}: the store kept {meta_tags(item)}, not {expected}"
    return None


def _raise(problems: list[str]) -> None:
    if problems:
        raise TagsNotStored("WooCommerce did not store the ecomapp tags: " + "; ".join(problems))


def write_one(client: WooClient, resource: str, platform_id: str, change: TagEdit) -> list[str]:
    """Read an order's or customer's tags, write the changed list, check what landed."""
    endpoint = f"{ENDPOINTS[resource]}/{platform_id}"
    tags = normalize_tags(change(meta_tags(client.request("GET", endpoint))))
    problem = _landed(resource, client.request("PUT", endpoint, _body(tags)), tags)
    _raise([problem] if problem else [])
    return tags


def write_customers(client: WooClient, changes: Mapping[str, TagEdit]) -> dict[str, list[str]]:
    """Retag many customers: read them 100 at a time, write through customers/batch, check."""
    ids = list(changes)
    current: dict[str, list[str]] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        for item in client.all("customers", include=",".join(chunk), role="all"):
            current[str(item["id"])] = meta_tags(item)
    wanted = {pid: normalize_tags(changes[pid](current.get(pid, []))) for pid in ids}
    items = [{"id": int(pid), **_body(tags)} for pid, tags in wanted.items()]
    results = client.batch("customers", "update", items)
    checked = (_landed("customer", item, wanted.get(str(item.get("id")), [])) for item in results)
    problems = [problem for problem in checked if problem]
    missing = set(ids) - {str(item.get("id")) for item in results}
    problems += [f"customer {pid}: not in the batch answer" for pid in sorted(missing)]
    _raise(problems)
    return wanted
