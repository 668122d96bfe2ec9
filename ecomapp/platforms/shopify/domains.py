"""Shop domains: the anchored check every Shopify entry point runs first."""

from __future__ import annotations

import re
from urllib.parse import urlparse

SHOP_DOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")


def is_shop_domain(value: str | None) -> bool:
    """Return True when value is exactly `<name>.myshopify.com`."""
    return bool(value) and SHOP_DOMAIN.fullmatch(value or "") is not None


def shop_name(domain: str) -> str:
    """Return the shop's handle (`name` in `name.myshopify.com`)."""
    return domain[: -len(".myshopify.com")]


def host_of(url: str | None) -> str | None:
    """Return the host of an https URL (a session token's iss or dest), or None."""
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.port is not None or parsed.username is not None:
        return None
    return parsed.hostname


def frame_ancestors(domain: str) -> str:
    """Return the per-shop Content-Security-Policy for embedded pages."""
    return f"frame-ancestors https://{domain} https://admin.shopify.com;"
