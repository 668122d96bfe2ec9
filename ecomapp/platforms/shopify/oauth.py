"""The authorization-code grant for non-embedded installs: consent URL, callback checks, code."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlencode

from flask import current_app

from ecomapp.platforms.shopify.domains import is_shop_domain
from ecomapp.platforms.shopify.http import http_client
from ecomapp.platforms.shopify.install import SCOPES, InstallError

TIMESTAMP_TOLERANCE = 300


class CallbackRejected(InstallError):
    """An OAuth callback failed our checks (HMAC, timestamp, state or shop)."""


def authorize_url(domain: str, redirect_uri: str, nonce: str) -> str:
    """Return Shopify's consent URL for the authorization-code grant."""
    query = urlencode(
        {
            "client_id": current_app.config["SETTINGS"].shopify_api_key,
            "scope": SCOPES,
            "redirect_uri": redirect_uri,
            "state": nonce,
        }
    )
    return f"https://{domain}/admin/oauth/authorize?{query}"


def query_hmac(params: dict[str, str], secret: str) -> str:
    """Return the hex HMAC-SHA256 Shopify puts on a redirect's sorted query (without hmac)."""
    message = "&".join(
        f"{k}={v}" for k, v in sorted(params.items()) if k not in {"hmac", "signature"}
    )
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_callback(params: dict[str, str], nonce: str | None) -> str:
    """Check a callback's HMAC, timestamp, state and shop; return the shop or raise InstallError."""
    settings = current_app.config["SETTINGS"]
    sent = params.get("hmac", "")
    secrets = [s for s in (settings.shopify_api_secret, settings.shopify_old_api_secret) if s]
    if not sent or not any(hmac.compare_digest(sent, query_hmac(params, s)) for s in secrets):
        raise CallbackRejected("the callback's HMAC does not match")
    try:
        age = abs(time.time() - int(params.get("timestamp", "")))
    except ValueError:
        age = float("inf")
    if age > TIMESTAMP_TOLERANCE:
        raise CallbackRejected("the callback's timestamp is missing or stale")
    if not nonce or not hmac.compare_digest(params.get("state", ""), nonce):
        raise CallbackRejected("the callback's state does not match this browser's nonce")
    shop = params.get("shop", "")
    if not is_shop_domain(shop):
        raise CallbackRejected("the callback names an invalid shop domain")
    return shop


def exchange_code(domain: str, code: str) -> dict[str, Any]:
    """Trade an authorization code for an expiring offline token; return the grant."""
    settings = current_app.config["SETTINGS"]
    body = {
        "client_id": settings.shopify_api_key,
        "client_secret": settings.shopify_api_secret,
        "code": code,
        "expiring": 1,
    }
    with http_client() as client:
        response = client.post(f"https://{domain}/admin/oauth/access_token", json=body)
    if response.status_code != 200:
        raise InstallError(f"Shopify refused the authorization code (HTTP {response.status_code})")
    data = response.json()
    if not isinstance(data, dict) or "access_token" not in data:
        raise InstallError("Shopify's token response has no access_token")
    return data
