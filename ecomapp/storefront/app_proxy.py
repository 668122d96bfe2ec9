"""Shopify app proxy requests: the signature Shopify adds to the query, checked before anything."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

from werkzeug.datastructures import MultiDict

MAX_AGE_SECONDS = (
    300  # Shopify signs each proxied request as it forwards it: an old one is a replay
)
CLOCK_SKEW_SECONDS = 60


class ProxyRefused(ValueError):
    """An app proxy request we refuse; the message says why."""


def proxy_signature(args: MultiDict[str, str], secret: str) -> str:
    """Return Shopify's app proxy signature: sorted `key=v1,v2` pairs, no separator, HMAC-SHA256."""
    pairs = sorted(f"{key}={','.join(args.getlist(key))}" for key in args if key != "signature")
    return hmac.new(secret.encode(), "".join(pairs).encode(), hashlib.sha256).hexdigest()


def verify_proxy_request(args: MultiDict[str, str], secrets: Iterable[str]) -> str:
    """Return the shop of a correctly signed, fresh app proxy request, or raise ProxyRefused."""
    sent, shop = args.get("signature", ""), args.get("shop", "")
    if not sent or not shop:
        raise ProxyRefused("not an app proxy request: signature and shop are required")
    if not any(hmac.compare_digest(sent, proxy_signature(args, s)) for s in secrets if s):
        raise ProxyRefused("the app proxy signature does not match")
    stamp = args.get("timestamp", "")
    if not stamp.isdigit():
        raise ProxyRefused("the app proxy request has no timestamp")
    age = time.time() - int(stamp)
    if age > MAX_AGE_SECONDS or age < -CLOCK_SKEW_SECONDS:
        raise ProxyRefused("the app proxy request is too old")
    return shop
