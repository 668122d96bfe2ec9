"""What a merchant and their WooCommerce store do: approve /wc-auth, deliver webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import make_settings
from tests.fakes.woocommerce.payloads import wire
from tests.fakes.woocommerce.server import CONSUMER_KEY, CONSUMER_SECRET, FakeWooStore

HOOKSHOT = "WooCommerce/11.0.1 Hookshot (WordPress/6.9)"


@contextmanager
def woo_settings(app: Flask, **changes: Any) -> Iterator[None]:
    """Run with development settings that let the app talk to a loopback http store."""
    saved = app.config["SETTINGS"], app.config.get("WOOCOMMERCE_RETRY_BACKOFF")
    app.config["SETTINGS"] = make_settings(
        **{"woocommerce_allow_http": True, "app_url": "http://localhost", **changes}
    )
    app.config["WOOCOMMERCE_RETRY_BACKOFF"] = 0.0
    try:
        yield
    finally:
        app.config["SETTINGS"], app.config["WOOCOMMERCE_RETRY_BACKOFF"] = saved


def csrf(client: FlaskClient) -> str:
    """Return the session's CSRF token from the connect form."""
    page = client.get("/woocommerce/connect").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the connect form carries a CSRF token"
    return match.group(1)


def start(client: FlaskClient, store_url: str) -> TestResponse:
    """Submit the connect form."""
    return client.post(
        "/woocommerce/connect", data={"store_url": store_url, "csrf_token": csrf(client)}
    )


def callback_body(authorize_url: str, key_id: int = 7) -> tuple[dict[str, Any], dict[str, str]]:
    """Return what WooCommerce posts to callback_url after approval, and the auth query."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    body = {
        "key_id": key_id,
        "user_id": query["user_id"],
        "consumer_key": CONSUMER_KEY,
        "consumer_secret": CONSUMER_SECRET,
        "key_permissions": "read_write",
    }
    return body, query


def post_callback(client: FlaskClient, query: dict[str, str], body: dict[str, Any]) -> TestResponse:
    """Post the key to our callback the way WooCommerce does (JSON, unsigned)."""
    path = urlsplit(query["callback_url"]).path
    return client.post(path, data=json.dumps(body), content_type="application/json")


def connect(client: FlaskClient, fake: FakeWooStore) -> TestResponse:
    """Go through the whole connect flow; return the response of the return URL."""
    authorize = start(client, fake.base_url).headers["Location"]
    body, query = callback_body(authorize)
    assert post_callback(client, query, body).status_code == 200
    landing = urlsplit(query["return_url"])
    return client.get(f"{landing.path}?success=1&user_id={query['user_id']}")


def client_transport(client: FlaskClient, down: Callable[[], bool] = lambda: False) -> Any:
    """Return a Hookshot transport posting through the test client; 503 while `down()`."""

    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        if down():
            return 503
        return client.post(urlsplit(url).path, data=body, headers=headers).status_code

    return send


def sign(secret: str, body: bytes) -> str:
    """Return the X-WC-Webhook-Signature WooCommerce computes."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def deliver(
    client: FlaskClient, hook: dict[str, Any], payload: dict[str, Any], signature: str | None = None
) -> TestResponse:
    """Deliver a payload through one of the store's webhooks, headers as WooCommerce sends."""
    body = wire(payload)
    headers = {
        "User-Agent": HOOKSHOT,
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": hook["topic"],
        "X-WC-Webhook-Resource": hook["resource"],
        "X-WC-Webhook-Event": hook["event"],
        "X-WC-Webhook-Signature": signature or sign(hook["secret"], body),
        "X-WC-Webhook-ID": str(hook["id"]),
        "X-WC-Webhook-Delivery-ID": hashlib.md5(f"{hook['id']}1764150000".encode()).hexdigest(),
    }
    path = urlsplit(hook["delivery_url"]).path
    return client.post(path, data=body, headers=headers, content_type="application/json")


def hook_for(fake: FakeWooStore, topic: str) -> dict[str, Any]:
    """Return the store's webhook for a topic."""
    return next(h for h in fake.webhooks.values() if h["topic"] == topic)
