"""Newsletter subscribers on WooCommerce: a customer with our consent meta (no `_` prefix).

WooCommerce (>= 9.5.2) silently drops `_`-prefixed customer meta sent through wc/v3, so the
keys below are plain. WooCommerce core has no e-mail marketing field of its own.
"""

from __future__ import annotations

from typing import Any

from ecomapp.models import Store
from ecomapp.platforms.base import Subscriber
from ecomapp.platforms.woocommerce.client import WooClient
from ecomapp.platforms.woocommerce.sites import client_for

CONSENT_META = "ecomapp_marketing_consent"
CONSENT_AT_META = "ecomapp_marketing_consent_at"
INTERESTS_META = "ecomapp_interests"


def _meta(subscriber: Subscriber) -> list[dict[str, str]]:
    return [
        {"key": CONSENT_META, "value": "confirmed_opt_in"},
        {"key": CONSENT_AT_META, "value": subscriber.confirmed_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
        {"key": INTERESTS_META, "value": ",".join(subscriber.interests)},
    ]


def _by_email(client: WooClient, email: str) -> str | None:
    found = client.request("GET", "customers", email=email, role="all", per_page=1)
    return str(found[0]["id"]) if isinstance(found, list) and found else None


def subscribe(store: Store, subscriber: Subscriber) -> str:
    """Update the customer with this e-mail, or create one; return its id."""
    client = client_for(store)
    known = subscriber.platform_customer_id
    if not (known and known.isdigit()):  # a guest of past orders ("guest:<email>") has no user
        known = _by_email(client, subscriber.email)
    if known:
        client.request("PUT", f"customers/{known}", {"meta_data": _meta(subscriber)})
        return known
    body: dict[str, Any] = {
        "email": subscriber.email,
        "first_name": subscriber.first_name,
        "last_name": subscriber.last_name,
        "billing": {"email": subscriber.email, "phone": subscriber.phone},
        "meta_data": _meta(subscriber),
    }
    return str(client.request("POST", "customers", body)["id"])
