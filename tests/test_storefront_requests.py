"""Storefront requests are accepted only when the app proxy or the store's plugin signed them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import time_machine
from flask.testing import FlaskClient

from ecomapp.platforms.woocommerce.webhooks import signature
from tests.factories import make_store
from tests.storefront_support import plugin_post, proxy_query, woo_store_with_plugin


def test_a_signed_app_proxy_request_resolves_its_shop(client: FlaskClient) -> None:
    store = make_store("shopify", domain="proxy-shop.myshopify.com")
    query = proxy_query(store.domain, {"logged_in_customer_id": "77"})
    response = client.get(f"/storefront/ping?{query}")
    assert response.status_code == 200
    assert response.json == {"store": store.domain, "source": "shopify_app_proxy", "customer": "77"}


def test_a_forged_or_stale_app_proxy_request_is_refused(
    client: FlaskClient, time_machine: time_machine.TimeMachineFixture
) -> None:
    store = make_store("shopify", domain="proxy-shop.myshopify.com")
    forged = proxy_query(store.domain, secret="not-the-app-secret")
    assert client.get(f"/storefront/ping?{forged}").status_code == 401
    tampered = proxy_query(store.domain).replace("proxy-shop", "other-shop")
    assert client.get(f"/storefront/ping?{tampered}").status_code == 401
    old = proxy_query(store.domain)
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=10))
    assert client.get(f"/storefront/ping?{old}").status_code == 401
    assert client.get("/storefront/ping").status_code == 401


def test_a_body_signed_by_the_plugin_resolves_its_store(client: FlaskClient) -> None:
    store = woo_store_with_plugin()
    response = plugin_post(client, store, "ping", {"hello": "world"})
    assert response.status_code == 200 and response.json["source"] == "woocommerce_plugin"
    body = json.dumps({"hello": "world"}).encode()
    bad = {"X-Ecomapp-Store": str(store.id), "X-Ecomapp-Signature": signature("wrong", body)}
    assert client.post("/storefront/ping", data=body, headers=bad).status_code == 401
