"""The webhook door: HMAC over the raw body, headers checked against the payload, one inbox row.

Nothing else runs on the request path: no platform call, no rule, one INSERT and its commit;
ingestion is enqueued after the commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import Blueprint, current_app, request

from ecomapp.models import utcnow
from ecomapp.platforms.shopify.delivery_checks import (
    DeliveryRefused,
    check_fresh,
    check_shape,
    parse_payload,
)
from ecomapp.platforms.shopify.domains import is_shop_domain
from ecomapp.platforms.shopify.store_ids import store_id_for
from ecomapp.webhooks.inbox import record_delivery

bp = Blueprint("shopify_webhooks", __name__)

KEPT_HEADERS = ("Topic", "Shop-Domain", "API-Version", "Webhook-Id", "Event-Id", "Triggered-At")


def shopify_headers() -> dict[str, str]:
    """Return the delivery's Shopify headers by lower-case short name (`X-` prefix or not)."""
    found: dict[str, str] = {}
    for key, value in request.headers.items():
        lower = key.lower()
        name = lower.removeprefix("x-")
        if name.startswith("shopify-") and value and (lower != name or name[8:] not in found):
            found[name[8:]] = value  # the `X-` form wins, as Shopify sends both
    return found


def body_signature(body: bytes, secret: str) -> str:
    """Return the base64 HMAC-SHA256 of raw bytes, as Shopify signs a delivery."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signed_by_us(body: bytes, sent: str) -> bool:
    """Return True when the header matches the body under the app secret or the old one."""
    settings = current_app.config["SETTINGS"]
    secrets = [s for s in (settings.shopify_api_secret, settings.shopify_old_api_secret) if s]
    return bool(sent) and any(
        hmac.compare_digest(sent.encode(), body_signature(body, s).encode()) for s in secrets
    )


@bp.post("/webhooks/shopify")
def receive() -> tuple[str, int]:
    """Verify, check, record and acknowledge one Shopify webhook delivery."""
    body = request.get_data(cache=False)  # capped by ecomapp.request_limits
    sent = shopify_headers()
    if not signed_by_us(body, sent.get("hmac-sha256", "")):
        return "Unauthorized: bad or missing HMAC", 401
    topic, domain = sent.get("topic", ""), sent.get("shop-domain", "").lower()
    event_id = sent.get("event-id") or sent.get("webhook-id")
    if not topic or not event_id or not is_shop_domain(domain):
        return "Bad Request: topic, event id or shop domain missing or invalid", 400
    try:
        check_fresh(sent.get("triggered-at", ""), utcnow())
        check_shape(topic, parse_payload(body), domain)
    except DeliveryRefused as exc:
        return f"Bad Request: {exc}", 400
    headers = {name: sent[name.lower()] for name in KEPT_HEADERS if name.lower() in sent}
    record_delivery(
        "shopify",
        f"{topic}:{event_id}"[:255],
        topic,
        body,
        headers=headers,
        store_id=store_id_for(domain),
        shop_domain=domain,
    )
    return "", 200
