"""What the HMAC does not cover: a delivery's headers must agree with its payload and be fresh.

Shopify signs the body only. The topic, shop domain, event id and trigger time travel in
unsigned headers, so one captured signed body could otherwise be re-posted under another topic
(`app/uninstalled`, `shop/redact`) or another shop. Every topic we handle has a shape check here:
a shop-level payload must name the header's shop, and a resource payload must carry the ids (and
GraphQL ids) of the resource its topic is about.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

# Shopify retries a failed delivery 8 times over 4 hours; one hour of margin on top.
MAX_AGE = timedelta(hours=5)
# A trigger time further ahead of our clock than this is not a clock difference.
MAX_AHEAD = timedelta(minutes=15)

Payload = dict[str, Any]
ShapeCheck = Callable[[Payload, str], str | None]


class DeliveryRefused(ValueError):
    """A signed delivery whose headers, age or payload do not hold together (answer 400)."""


def parse_payload(body: bytes) -> Payload:
    """Return the body as a JSON object or refuse it (not JSON, not an object, nested too deep)."""
    try:
        payload = json.loads(body)
    except RecursionError as exc:
        raise DeliveryRefused("body nests too deep") from exc
    except ValueError as exc:
        raise DeliveryRefused("body is not JSON") from exc
    if not isinstance(payload, dict):
        raise DeliveryRefused("body is not a JSON object")
    return payload


def check_fresh(triggered_at: str, now: datetime) -> None:
    """Refuse a delivery without a trigger time, or triggered outside Shopify's retry window."""
    try:
        moment = datetime.fromisoformat(triggered_at.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DeliveryRefused("Triggered-At is missing or not a timestamp") from exc
    if moment.tzinfo is None:
        raise DeliveryRefused("Triggered-At has no time zone")
    if now - moment > MAX_AGE:
        raise DeliveryRefused(f"delivery triggered at {triggered_at} is older than {MAX_AGE}")
    if moment - now > MAX_AHEAD:
        raise DeliveryRefused(f"delivery triggered at {triggered_at} is in the future")


def check_shape(topic: str, payload: Payload, shop: str) -> None:
    """Refuse a payload that does not fit its topic or names another shop than the header."""
    check = SHAPES.get(topic)
    problem = check(payload, shop.lower()) if check is not None else None
    if problem:
        raise DeliveryRefused(f"payload does not fit {topic}: {problem}")


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _gid_problem(payload: Payload, kind: str, key: str = "admin_graphql_api_id") -> str | None:
    """Return why the payload's GraphQL id is not a `kind` gid matching its numeric id."""
    gid = payload.get(key)
    if not isinstance(gid, str) or not gid.startswith(f"gid://shopify/{kind}/"):
        return f"{key} is not a {kind} id"
    if "id" in payload and gid.rsplit("/", 1)[-1] != str(payload["id"]):
        return f"{key} does not match id"
    return None


def _resource(kind: str, listed: str | None = None) -> ShapeCheck:
    """Return a check for an order, customer or product payload."""

    def check(payload: Payload, shop: str) -> str | None:
        if not _is_id(payload.get("id")):
            return "id is missing"
        if listed is not None and not isinstance(payload.get(listed), list):
            return f"{listed} is missing"
        if kind == "Customer" and "line_items" in payload:
            return "an order or checkout is not a customer"
        return _gid_problem(payload, kind)

    return check


def _product_deleted(payload: Payload, shop: str) -> str | None:
    if not _is_id(payload.get("id")):
        return "id is missing"
    return _gid_problem(payload, "Product") if "admin_graphql_api_id" in payload else None


def _checkout(payload: Payload, shop: str) -> str | None:
    if not isinstance(payload.get("token"), str) or not isinstance(payload.get("line_items"), list):
        return "token or line_items is missing"
    if "abandoned_checkout_url" not in payload or "admin_graphql_api_id" in payload:
        return "an order is not a checkout"
    return None


def _tags(payload: Payload, shop: str) -> str | None:
    if not isinstance(payload.get("tags"), list):
        return "tags is missing"
    return _gid_problem(payload, "Customer", "customerId")


def _consent(payload: Payload, shop: str) -> str | None:
    if not _is_id(payload.get("customer_id")):
        return "customer_id is missing"
    consent = payload.get("email_marketing_consent")
    return None if isinstance(consent, dict) else "email_marketing_consent is missing"


def _inventory(payload: Payload, shop: str) -> str | None:
    if not (_is_id(payload.get("inventory_item_id")) and _is_id(payload.get("location_id"))):
        return "inventory_item_id or location_id is missing"
    return None


def _uninstalled(payload: Payload, shop: str) -> str | None:
    if not _is_id(payload.get("id")):
        return "the shop id is missing"
    named = payload.get("myshopify_domain") or payload.get("domain")
    if not isinstance(named, str) or named.lower() != shop:
        return "myshopify_domain does not name the shop in the header"
    return None


def _shop_level(needs: str | None = None) -> ShapeCheck:
    """Return a check for a compliance payload: shop_id, shop_domain = header, and `needs`."""

    def check(payload: Payload, shop: str) -> str | None:
        named = payload.get("shop_domain")
        if not _is_id(payload.get("shop_id")) or not isinstance(named, str):
            return "shop_id or shop_domain is missing"
        if named.lower() != shop:
            return "shop_domain does not name the shop in the header"
        if needs is not None and not isinstance(payload.get(needs), dict):
            return f"{needs} is missing"
        return None

    return check


RISK_LEVELS = {"low", "medium", "high", "none", "pending"}


def _risk_assessment(payload: Payload, shop: str) -> str | None:
    """Check orders/risk_assessment_changed: a known level; an order id with its own gid."""
    level = payload.get("risk_level")
    if not isinstance(level, str) or level.lower() not in RISK_LEVELS:
        return "risk_level is missing or unknown"
    if payload.get("order_id") is None:  # Shopify's published sample names no order
        return None
    if not _is_id(payload.get("order_id")):
        return "order_id is not an id"
    gid = payload.get("admin_graphql_api_order_id")
    if not isinstance(gid, str) or gid != f"gid://shopify/Order/{payload['order_id']}":
        return "admin_graphql_api_order_id does not match order_id"
    return None


def _dispute(payload: Payload, shop: str) -> str | None:
    """Check disputes/create|update: its id, an order id or null, a type and a reason."""
    if not _is_id(payload.get("id")):
        return "id is missing"
    if payload.get("order_id") is not None and not _is_id(payload.get("order_id")):
        return "order_id is not an id"
    if not isinstance(payload.get("type"), str) or not isinstance(payload.get("reason"), str):
        return "type or reason is missing"
    return None


_order = _resource("Order", "line_items")
_customer = _resource("Customer")
_product = _resource("Product", "variants")

SHAPES: dict[str, ShapeCheck] = {
    "orders/risk_assessment_changed": _risk_assessment,
    "disputes/create": _dispute,
    "disputes/update": _dispute,
    "orders/create": _order,
    "orders/paid": _order,
    "orders/updated": _order,
    "orders/cancelled": _order,
    "orders/fulfilled": _order,
    "customers/create": _customer,
    "customers/update": _customer,
    "customer.tags_added": _tags,
    "customer.tags_removed": _tags,
    "customers_email_marketing_consent/update": _consent,
    "checkouts/create": _checkout,
    "checkouts/update": _checkout,
    "inventory_levels/update": _inventory,
    "inventory_levels/disconnect": _inventory,
    "products/create": _product,
    "products/update": _product,
    "products/delete": _product_deleted,
    "app/uninstalled": _uninstalled,
    "customers/data_request": _shop_level("data_request"),
    "customers/redact": _shop_level("customer"),
    "shop/redact": _shop_level(),
}
