"""Adapters by platform name; routes, jobs, engine and mailer look them up here."""

from __future__ import annotations

import importlib

from ecomapp.platforms.base import PlatformAdapter

# platform name -> "module:Class"; each app starts from these (ecomapp/registries.py) and
# imports an adapter on first use.
ADAPTERS: dict[str, str] = {
    "demo": "ecomapp.platforms.demo:DemoAdapter",
    "woocommerce": "ecomapp.platforms.woocommerce.adapter:WooCommerceAdapter",
    "shopify": "ecomapp.platforms.shopify.adapter:ShopifyAdapter",
}


class UnknownPlatform(LookupError):
    """No adapter is registered under that name."""


def get_adapter(platform: str) -> PlatformAdapter:
    """Return the adapter for a platform name."""
    from ecomapp.registries import registries

    registered = registries()
    made = registered.adapter_instances
    if platform not in made:
        try:
            module_name, _, class_name = registered.adapters[platform].partition(":")
        except KeyError as exc:
            raise UnknownPlatform(f"no adapter for platform {platform!r}") from exc
        cls = getattr(importlib.import_module(module_name), class_name)
        made[platform] = cls()
    return made[platform]
