"""The plugin's real PHP forwards a shopper's notify-me form, signed, and the app accepts it."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import BackInStockRequest, PushSubscription, Store
from tests.factories import make_product
from tests.push_support import push_ready
from tests.storefront_support import PLUGIN_SECRET, woo_store_with_plugin
from tests.test_woocommerce_plugin_php import HARNESS, PLUGIN

PHP = shutil.which("php")
pytestmark = pytest.mark.skipif(PHP is None, reason="php is not installed")


def _plugin(store: Store, route: str, params: dict[str, Any], user: int = 0) -> dict[str, Any]:
    connection = {"url": "http://127.0.0.1:5000", "store": store.id, "secret": PLUGIN_SECRET}
    reply = {"status": 201, "body": json.dumps({"status": "waiting"})}
    harness = {"mode": "storefront", "connection": connection, "route": route}
    harness |= {"params": params, "user": user, "reply": reply}
    result = subprocess.run(
        [str(PHP), str(HARNESS), json.dumps(harness)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def _relay(client: FlaskClient, sent: dict[str, Any]) -> Any:
    post = sent["post"]
    return client.post(
        urlsplit(post["url"]).path, data=post["body"].encode(), headers=post["headers"]
    )


def _sold_out(store: Store) -> str:
    variant = make_product(store, stock=0).variants[0]
    variant.platform_id = "4242"
    db.session.commit()
    return variant.platform_id


def test_plugin_forwards_a_notify_me_request_the_app_accepts(client: FlaskClient) -> None:
    """Given the form's post to the plugin's REST route, when the PHP signs and forwards it,
    then the app records the request with the plugin's own consent wording."""
    store = woo_store_with_plugin()
    variant = _sold_out(store)
    form = {"variant_id": variant, "email": "ada@example.com", "consent": True, "visitor_id": "v1"}
    sent = _plugin(store, "notify-me", form, user=7)
    assert sent["post"]["url"] == "http://127.0.0.1:5000/storefront/back-in-stock"
    assert sent["status"] == 201 and "X-Ecomapp-Customer" not in sent["post"]["headers"]
    assert json.loads(sent["post"]["body"])["customer_id"] == "7"  # inside the signature
    reply = _relay(client, sent)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    row = db.session.scalar(select(BackInStockRequest))
    assert (row.email, row.source) == ("ada@example.com", "woocommerce_plugin")
    assert row.consent_text.startswith("Email me once when this product is back in stock.")


def test_plugin_without_consent_is_refused_by_the_app(client: FlaskClient) -> None:
    """Given a form posted without the consent box, then the app answers 400 naming consent."""
    store = woo_store_with_plugin()
    sent = _plugin(store, "notify-me", {"variant_id": _sold_out(store), "email": "a@b.co"})
    reply = _relay(client, sent)
    assert reply.status_code == 400 and "consent" in reply.get_data(as_text=True)


def test_plugin_forwards_a_push_subscription(app: Flask, client: FlaskClient) -> None:
    """Given a browser's push subscription posted to the plugin by signed-in user 7, then the
    app stores it for user 7, whatever an unsigned header says."""
    store = woo_store_with_plugin()
    with push_ready(app) as service:
        subscription = service.browser("wp").subscription(service.url)
        params = {"subscription": subscription, "consent": True}
        sent = _plugin(store, "push-subscribe", params, user=7)
        sent["post"]["headers"]["X-Ecomapp-Customer"] = "9"  # outside the signature: ignored
        reply = _relay(client, sent)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    sub = db.session.scalar(select(PushSubscription))
    assert sub.endpoint == subscription["endpoint"] and "browser notification" in sub.consent_text
    assert sub.platform_customer_id == "7"  # the signed-in WordPress user, from the signed body


def test_plugin_ships_the_notify_me_script() -> None:
    """The shortcode's script exists where the PHP points."""
    assert (PLUGIN / "assets" / "notify-me.js").read_text().count("pushManager.subscribe") == 1
