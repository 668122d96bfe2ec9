"""Helpers for Shopify tests: session tokens, signed deliveries, installed stores."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ecomapp.models import Store, utcnow
from ecomapp.platforms.shopify.install import install_store
from tests.fakes.shopify_server import FakeShopify, fixture

CLIENT_ID = "test-client-id"
SECRET = "shpss_0123456789abcdef0123456789abcdef"  # Shopify secrets are this long


def session_token(shop: str, secret: str = SECRET, **claims: Any) -> str:
    """Return a session token shaped like Shopify's documented example, for shop."""
    now = int(time.time())
    payload = fixture("session-token-payload.json")
    payload |= {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": CLIENT_ID,
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    payload |= claims
    return jwt.encode(payload, secret, algorithm="HS256")


def sign(body: bytes, secret: str = SECRET) -> str:
    """Return the X-Shopify-Hmac-Sha256 value for raw bytes."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def triggered_at(moment: datetime | None = None) -> str:
    """Return an X-Shopify-Triggered-At value (documented format) for moment, default now."""
    return (moment or utcnow()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def signed_headers(
    topic: str,
    body: bytes,
    shop: str,
    event_id: str | None = None,
    secret: str = SECRET,
    prefix: str = "X-Shopify-",
    triggered: datetime | None = None,
) -> dict[str, str]:
    """Return the documented delivery headers for body, signed over its exact bytes."""
    return {
        f"{prefix}Topic": topic,
        f"{prefix}Hmac-Sha256": sign(body, secret),
        f"{prefix}Shop-Domain": shop,
        f"{prefix}API-Version": "2026-07",
        f"{prefix}Webhook-Id": str(uuid.uuid4()),
        f"{prefix}Triggered-At": triggered_at(triggered),
        f"{prefix}Event-Id": event_id or str(uuid.uuid4()),
    }


def deliver(
    client: FlaskClient,
    topic: str,
    body: bytes,
    shop: str,
    event_id: str | None = None,
    secret: str = SECRET,
    prefix: str = "X-Shopify-",
    triggered: datetime | None = None,
) -> TestResponse:
    """POST a webhook delivery with the documented headers, signed over the exact bytes."""
    headers = signed_headers(topic, body, shop, event_id, secret, prefix, triggered)
    return client.post(
        "/webhooks/shopify", data=body, headers=headers, content_type="application/json"
    )


def uninstalled_body(shop: str) -> bytes:
    """Return Shopify's app/uninstalled sample as a real delivery for shop (it names the shop)."""
    shop_data = fixture("app_uninstalled.json") | {"myshopify_domain": shop, "domain": shop}
    return json.dumps(shop_data, separators=(",", ":")).encode()


def installed(fake: FakeShopify, shop: str) -> Store:
    """Install a shop through our install path with a grant the stand-in issued."""
    return install_store(shop, fake.issue(shop))


def matching_gid(body: dict[str, Any]) -> dict[str, Any]:
    """Return a sample body whose changed `id` is echoed in its GraphQL id, as Shopify sends."""
    gid = body.get("admin_graphql_api_id")
    if isinstance(gid, str) and "id" in body:
        return body | {"admin_graphql_api_id": f"{gid.rsplit('/', 1)[0]}/{body['id']}"}
    return body
