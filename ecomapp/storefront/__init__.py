"""Storefront endpoints: shopper requests via Shopify's app proxy or the WooCommerce plugin."""

from __future__ import annotations

import importlib

from flask import Blueprint, Flask

bp = Blueprint("storefront", __name__, url_prefix="/storefront")

# Modules that add routes to `bp`; imported before the blueprint is registered.
ROUTE_MODULES: tuple[str, ...] = (
    "ecomapp.storefront.ping",
    "ecomapp.storefront.notify_me",
    "ecomapp.storefront.push",
    "ecomapp.storefront.also_bought",
    "ecomapp.storefront.searches",
    "ecomapp.storefront.signup",
)


def init_app(app: Flask) -> None:
    """Import every storefront route module, then register the blueprint."""
    for name in ROUTE_MODULES:
        importlib.import_module(name)
    app.register_blueprint(bp)
