"""Webhook topics we subscribe to and the handler that turns each into mirror rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ecomapp.mirror.carts import apply_cart
from ecomapp.mirror.customers import apply_customer, find_customer
from ecomapp.mirror.orders import apply_order
from ecomapp.mirror.products import (
    apply_inventory,
    apply_product,
    delete_product,
    disconnect_location,
)
from ecomapp.mirror.records import CustomerRecord
from ecomapp.models import InboxDelivery, Store
from ecomapp.models.types import normalize_tags
from ecomapp.platforms.shopify import compliance
from ecomapp.platforms.shopify import normalize as n

Handler = Callable[[Store, dict[str, Any], InboxDelivery], None]

COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")


def _order(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    apply_order(store, n.order_record(data))


def _risk_assessment(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    from ecomapp.automation.fraud_screening import take_platform_risk

    if data.get("order_id") is None or data.get("provider_id") is not None:
        return  # Shopify's sample, or another app's assessment (ours included): not Shopify's
    take_platform_risk(store, str(data["order_id"]), str(data["risk_level"]).lower())


def _dispute(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    from ecomapp.automation.fraud_screening import take_chargeback

    fraud = data.get("type") == "chargeback" and data.get("reason") == "fraudulent"
    if fraud and data.get("order_id") is not None:
        take_chargeback(store, str(data["order_id"]))


def _customer(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    apply_customer(store, n.customer_record(data))


def _tags_changed(store: Store, data: dict[str, Any], delivery: InboxDelivery) -> None:
    customer_id = str(n.pid(data.get("customerId")))
    existing = find_customer(store, customer_id)
    current = list(existing.tags) if existing else []
    changed = normalize_tags(data.get("tags") or [])
    if delivery.topic.endswith("added"):
        new = normalize_tags([*current, *changed])
    else:
        new = [t for t in current if t not in set(changed)]
    apply_customer(store, CustomerRecord(platform_id=customer_id, tags=new))


def _consent(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    consent = data.get("email_marketing_consent") or {}
    record = CustomerRecord(
        platform_id=str(n.pid(data.get("customer_id"))),
        email=data.get("email_address"),
        accepts_marketing=n.consent(consent),
        updated_at=n.when(consent.get("consent_updated_at")),
    )
    apply_customer(store, record)


def _checkout(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    if data.get("token"):
        apply_cart(store, n.cart_record(data))


def _inventory(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    apply_inventory(store, n.inventory_record(data))


def _inventory_disconnected(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    disconnect_location(store, n.inventory_record(data))


def _product(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    apply_product(store, n.product_record(data))


def _product_deleted(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    delete_product(store, str(n.pid(data.get("id"))))


def _uninstalled(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    compliance.uninstall(store)


def _data_request(store: Store, data: dict[str, Any], _: InboxDelivery) -> None:
    compliance.export_customer(store, data)


def _redact_customer(store: Store, data: dict[str, Any], delivery: InboxDelivery) -> None:
    compliance.redact_customer(store, data, delivery.id)
    customer_id = (data.get("customer") or {}).get("id")
    delivery.body = json.dumps({"redacted_customer_id": customer_id}).encode()


def _redact_shop(store: Store, data: dict[str, Any], delivery: InboxDelivery) -> None:
    compliance.redact_shop(store, delivery.id)


HANDLERS: dict[str, Handler] = {
    "orders/create": _order,
    "orders/paid": _order,
    "orders/updated": _order,
    "orders/cancelled": _order,
    "orders/fulfilled": _order,
    "orders/risk_assessment_changed": _risk_assessment,
    "disputes/create": _dispute,
    "disputes/update": _dispute,
    "customers/create": _customer,
    "customers/update": _customer,
    "customer.tags_added": _tags_changed,
    "customer.tags_removed": _tags_changed,
    "customers_email_marketing_consent/update": _consent,
    "checkouts/create": _checkout,
    "checkouts/update": _checkout,
    "inventory_levels/update": _inventory,
    "inventory_levels/disconnect": _inventory_disconnected,
    "products/create": _product,
    "products/update": _product,
    "products/delete": _product_deleted,
    "app/uninstalled": _uninstalled,
    "customers/data_request": _data_request,
    "customers/redact": _redact_customer,
    "shop/redact": _redact_shop,
}

# Topics that still apply after uninstall (Shopify sends shop/redact 48 hours later).
AFTER_UNINSTALL = {"app/uninstalled", *COMPLIANCE_TOPICS}
