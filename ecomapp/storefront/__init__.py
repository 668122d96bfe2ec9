"""Storefront endpoints: shopper requests via Shopify's app proxy or the WooCommerce plugin.

The blueprint is `bp` in `routes.py`; each module below adds its routes to it (`from
ecomapp.storefront.routes import bp`) and reads the signed request with `storefront_request()`.
"""

from __future__ import annotations

# Modules that add routes to `routes.bp`; `routes.py` imports them, so they are in place
# before the blueprint is registered.
ROUTE_MODULES: tuple[str, ...] = (
    "ecomapp.storefront.ping",
    "ecomapp.storefront.notify_me",
    "ecomapp.storefront.push",
    "ecomapp.storefront.also_bought",
    "ecomapp.storefront.searches",
    "ecomapp.storefront.signup",
)
