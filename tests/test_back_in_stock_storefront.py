"""Notify-me requests through both storefront doors: the app proxy and the WooCommerce plugin."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import BackInStockRequest, PushSubscription
from ecomapp.platforms.woocommerce.webhooks import signature
from tests.automation_support import count
from tests.factories import make_product, make_store
from tests.push_support import push_ready
from tests.storefront_support import plugin_post, proxy_post, proxy_query, woo_store_with_plugin

CONSENT = "Email me once when this is back in stock."


def _shop():  # type: ignore[no-untyped-def]
    store = make_store("shopify", domain="notify-shop.myshopify.com")
    return store, make_product(store, stock=0).variants[0]


def test_app_proxy_request_is_recorded_with_its_consent(client: FlaskClient) -> None:
    """Given an out-of-stock variant, when a shopper posts the notify-me form through the app
    proxy, then one waiting request holds the e-mail, the variant and the consent wording."""
    store, variant = _shop()
    form = {"variant_id": variant.platform_id, "email": "Ann@Example.com", "consent": "1"}
    reply = proxy_post(client, store, "back-in-stock", form | {"consent_text": CONSENT})
    assert reply.status_code == 201, reply.get_data(as_text=True)
    row = db.session.scalar(select(BackInStockRequest))
    assert (row.email, row.variant_id, row.channel, row.status) == (
        "ann@example.com",
        variant.id,
        "email",
        "waiting",
    )
    assert row.consent_text == CONSENT and row.source == "shopify_app_proxy"
    again = proxy_post(client, store, "back-in-stock", form | {"consent_text": CONSENT})
    assert again.json["request"] == reply.json["request"] and count(BackInStockRequest) == 1


def test_plugin_request_with_a_push_subscription(app: Flask, client: FlaskClient) -> None:
    """Given a WooCommerce store, when its plugin posts a signed request carrying a browser's
    push subscription, then the subscription and a push request are stored for the variant."""
    store = woo_store_with_plugin()
    variant = make_product(store, stock=0).variants[0]
    with push_ready(app) as service:
        subscription = service.browser("b1").subscription(service.url)
        body = {
            "variant_id": variant.platform_id,
            "subscription": subscription,
            "consent": True,
            "consent_text": "Send me a browser notification when it is back.",
            "visitor_id": "v-123",
        }
        reply = plugin_post(client, store, "back-in-stock", body)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    sub = db.session.scalar(select(PushSubscription))
    row = db.session.scalar(select(BackInStockRequest))
    assert (row.channel, row.subscription_id, row.source) == ("push", sub.id, "woocommerce_plugin")
    assert (sub.endpoint, sub.visitor_id) == (subscription["endpoint"], "v-123")


def test_forged_app_proxy_request_is_refused_and_nothing_recorded(client: FlaskClient) -> None:
    """Given a request whose app proxy signature was made with another secret, then 401, no row."""
    store, variant = _shop()
    query = proxy_query(store.domain, secret="not-the-app-secret")
    form = {"variant_id": variant.platform_id, "email": "a@example.com", "consent": "1"}
    reply = client.post(f"/storefront/back-in-stock?{query}", data=form | {"consent_text": "x"})
    assert reply.status_code == 401 and count(BackInStockRequest) == 0


def test_malformed_requests_name_the_field(client: FlaskClient) -> None:
    """Given bad fields, then a 4xx that names the field and no row (never a 500)."""
    store, variant = _shop()
    base = {"variant_id": variant.platform_id, "email": "a@example.com", "consent": "1"}
    base["consent_text"] = CONSENT
    cases = [
        ({"consent": ""}, 400, "consent"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"email": ""}, 400, "email"),
        ({"variant_id": "nope"}, 404, "variant_id"),
        ({"variant_id": ""}, 400, "variant_id"),
        ({"subscription": "{not json"}, 400, "subscription"),
        ({"subscription": '{"endpoint": "ftp://x", "keys": {}}'}, 400, "subscription.endpoint"),
    ]
    for change, status, field in cases:
        reply = proxy_post(client, store, "back-in-stock", base | change)
        assert reply.status_code == status, (change, reply.get_data(as_text=True))
        assert field in reply.get_data(as_text=True)
    assert count(BackInStockRequest) == 0


def test_request_signed_with_another_plugin_secret_is_refused(client: FlaskClient) -> None:
    """Given a body signed with a secret that is not the store's plugin secret, then 401, no row."""
    store = woo_store_with_plugin()
    variant = make_product(store, stock=0).variants[0]
    body = json.dumps({"variant_id": variant.platform_id, "email": "a@example.com"}).encode()
    headers = {"X-Ecomapp-Store": str(store.id), "X-Ecomapp-Signature": signature("nope", body)}
    reply = client.post(
        "/storefront/back-in-stock", data=body, headers=headers, content_type="application/json"
    )
    assert reply.status_code == 401 and count(BackInStockRequest) == 0
