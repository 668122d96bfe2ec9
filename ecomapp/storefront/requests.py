"""Who is asking: a storefront request from Shopify's app proxy or the WooCommerce plugin.

Storefront features (notify-me, signup forms, push subscriptions, recommendations, search capture)
write one route under the `storefront` blueprint and call `storefront_request()`: it accepts
either a Shopify app proxy request (query signature) or a body signed by the store's companion
plugin (`X-Ecomapp-Store` + `X-Ecomapp-Signature`; the shopper's id, if any, inside the signed
body), and refuses anything else with 401.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import abort, current_app, request
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Store
from ecomapp.storefront.app_proxy import ProxyRefused, verify_proxy_request

SHOPIFY_PROXY = "shopify_app_proxy"
WOOCOMMERCE_PLUGIN = "woocommerce_plugin"


@dataclass(frozen=True)
class StorefrontRequest:
    """A verified storefront request: the store, the path it came through, the signed-in shopper."""

    store: Store
    source: str
    customer_id: str | None


def storefront_request() -> StorefrontRequest:
    """Return the verified store behind this storefront request, or abort 401 (no row written)."""
    if request.args.get("signature"):
        return _from_app_proxy()
    if request.headers.get("X-Ecomapp-Store"):
        return _from_plugin()
    abort(401, description="storefront requests come through the app proxy or the plugin")


def _from_app_proxy() -> StorefrontRequest:
    settings = current_app.config["SETTINGS"]
    secrets = (settings.shopify_api_secret, settings.shopify_old_api_secret)
    try:
        shop = verify_proxy_request(request.args, secrets)
    except ProxyRefused as exc:
        abort(401, description=str(exc))
    store = db.session.scalar(
        select(Store).where(Store.platform == "shopify", Store.domain == shop)
    )
    if store is None or not store.is_active:
        abort(401, description="this shop has not installed the app")
    customer = request.args.get("logged_in_customer_id") or None
    return StorefrontRequest(store, SHOPIFY_PROXY, customer)


def _from_plugin() -> StorefrontRequest:
    from ecomapp.models.woocommerce import WooSite
    from ecomapp.platforms.woocommerce.webhooks import verify

    raw = request.headers.get("X-Ecomapp-Store", "")
    store = db.session.get(Store, int(raw)) if raw.isdigit() else None
    site = None
    if store is not None:
        site = db.session.scalar(select(WooSite).where(WooSite.store_id == store.id))
    if store is None or site is None or not store.is_active or not site.plugin_secret_enc:
        abort(401, description="unknown store")
    body = request.get_data(cache=True)
    if not verify(site.plugin_secret, body, request.headers.get("X-Ecomapp-Signature")):
        abort(401, description="bad signature")
    return StorefrontRequest(store, WOOCOMMERCE_PLUGIN, _signed_customer(body))


def _signed_customer(body: bytes) -> str | None:
    """Return the shopper id the plugin put in the signed body (never from an unsigned header)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    value = data.get("customer_id") if isinstance(data, dict) else None
    return str(value)[:64] if value not in (None, "", 0, "0") else None
