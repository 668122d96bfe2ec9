"""The companion plugin's channel: signed cart events become carts, signed links open the panel."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.config import Settings
from ecomapp.extensions import db
from ecomapp.mirror.carts import sweep_abandoned
from ecomapp.models import Cart, Event, InboxDelivery
from ecomapp.models.types import utcnow
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, sign, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running


@pytest.fixture
def fake(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a loopback store connected to the app."""
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        yield store


@pytest.fixture
def plugin(client: FlaskClient, fake: FakeWooStore) -> dict[str, Any]:
    """Return the connection key the merchant copies from the panel into the plugin."""
    page = client.get("/woocommerce").get_data(as_text=True)
    key = re.search(r'data-testid="plugin-key">([^<]+)<', page).group(1)
    return json.loads(base64.urlsafe_b64decode(key))


def cart_event(key: str = "c0ffee", email: str | None = "ada@example.com", **cart: Any) -> dict:
    """Return a cart event as the plugin sends it."""
    body = {
        "key": key,
        "email": email,
        "customer_id": 0,
        "items": [
            {
                "product_id": 41,
                "variation_id": 0,
                "quantity": 2,
                "name": "Tea &amp; Biscuits",
                "price": "12.50",
                "sku": "TB-1",
            }
        ],
        "total": "25.00",
        "currency": "EUR",
        "recovery_url": f"https://shop.example.com/cart/?ecomapp_cart={key}",
        "updated_at_gmt": utcnow().strftime("%Y-%m-%dT%H:%M:%S"),
        **cart,
    }
    return {"event": "cart.updated", "cart": body, "sent_at": int(time.time())}


def send(
    client: FlaskClient, plugin: dict[str, Any], event: dict, secret: str | None = None
) -> Any:
    """Post an event signed like the plugin: base64 HMAC-SHA256 of the exact bytes."""
    body = wc.wire(event)
    headers = {"X-Ecomapp-Signature": sign(secret or plugin["secret"], body)}
    return client.post(f"/woocommerce/plugin/{plugin['store']}/events", data=body, headers=headers)


def _events(kind: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.type == kind)))


def test_signed_cart_event_becomes_a_cart_and_cart_updated(
    client: FlaskClient, plugin: dict[str, Any], run_jobs: Callable[[], None]
) -> None:
    """Given a signed cart event, when jobs run, then a Cart row and a cart.updated event exist."""
    assert send(client, plugin, cart_event()).status_code == 200
    run_jobs()
    cart = db.session.scalar(select(Cart))
    assert (cart.platform_id, cart.email, str(cart.total_price), cart.currency) == (
        "c0ffee",
        "ada@example.com",
        "25.00",
        "EUR",
    )
    assert cart.items[0]["title"] == "Tea & Biscuits" and cart.items[0]["quantity"] == 2
    assert cart.recovery_url.endswith("ecomapp_cart=c0ffee")
    (event,) = _events("cart.updated")
    assert event.data["item_count"] == 2 and event.data["email"] == "ada@example.com"


def test_forged_cart_event_is_refused(client: FlaskClient, plugin: dict[str, Any]) -> None:
    """Given an event signed with another secret, then 401 and no inbox row."""
    assert send(client, plugin, cart_event(), secret="guess").status_code == 401
    assert db.session.scalar(select(func.count()).select_from(InboxDelivery)) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"key": ""}, b"cart.key"),
        ({"key": "k" * 65}, b"cart.key"),
        ({"currency": "EURO"}, b"cart.currency"),
    ],
)
def test_malformed_cart_event_is_400_naming_the_field(
    client: FlaskClient, plugin: dict[str, Any], change: dict[str, str], field: bytes
) -> None:
    """Given a signed event with a bad field, then 400 names it and nothing is recorded."""
    response = send(client, plugin, cart_event(**change))
    assert response.status_code == 400 and field in response.data
    assert db.session.scalar(select(func.count()).select_from(InboxDelivery)) == 0


def test_two_changes_in_the_same_instant_are_both_kept(
    client: FlaskClient, plugin: dict[str, Any], run_jobs: Callable[[], None]
) -> None:
    """Given two different carts stamped with the same time, then both count, the last wins."""
    first = cart_event(updated_at_gmt="2026-11-26T10:00:00")
    second = cart_event(updated_at_gmt="2026-11-26T10:00:00", total="37.50")
    assert send(client, plugin, first).data == b"ok\n"
    assert send(client, plugin, second).data == b"ok\n"
    run_jobs()
    assert str(db.session.scalar(select(Cart.total_price))) == "37.50"


def test_repeated_cart_event_is_processed_once(
    client: FlaskClient, plugin: dict[str, Any], run_jobs: Callable[[], None]
) -> None:
    """Given the same event twice, then one inbox row and one cart.updated."""
    event = cart_event()
    send(client, plugin, event)
    assert send(client, plugin, event).data == b"duplicate\n"
    run_jobs()
    assert len(_events("cart.updated")) == 1


def test_quiet_cart_is_abandoned_by_the_sweeper(
    client: FlaskClient, plugin: dict[str, Any], run_jobs: Callable[[], None]
) -> None:
    """Given a cart with an e-mail that goes quiet, when the sweeper runs later, then abandoned."""
    send(client, plugin, cart_event())
    run_jobs()
    assert sweep_abandoned(utcnow() + timedelta(minutes=61)) == 1
    (event,) = _events("cart.abandoned")
    assert event.data["recovery_url"].endswith("ecomapp_cart=c0ffee")


def test_cart_that_became_an_order_is_not_abandoned(
    client: FlaskClient, fake: FakeWooStore, plugin: dict[str, Any], run_jobs: Callable[[], None]
) -> None:
    """Given a cart, then an order carrying its cart key, then converted and never abandoned."""
    send(client, plugin, cart_event())
    meta = [{"id": 9, "key": "_ecomapp_cart_key", "value": "c0ffee"}]
    deliver(client, hook_for(fake, "order.created"), wc.order(727, created=utcnow(), meta=meta))
    run_jobs()
    assert len(_events("cart.converted")) == 1
    assert sweep_abandoned(utcnow() + timedelta(hours=3)) == 0


def panel_link(plugin: dict[str, Any], ts: int | None = None, secret: str | None = None) -> str:
    """Return the iframe URL the plugin builds for a WordPress admin user."""
    ts = ts or int(time.time())
    message = f"panel|{plugin['store']}|{ts}|1".encode()
    sig = hmac.new((secret or plugin["secret"]).encode(), message, hashlib.sha256).hexdigest()
    return f"/woocommerce/plugin/{plugin['store']}/panel?ts={ts}&user=1&sig={sig}"


def test_plugin_link_opens_the_panel_framed_by_the_store(
    app: Flask, fake: FakeWooStore, plugin: dict[str, Any]
) -> None:
    """Given a fresh signed link, when the iframe loads it, then the panel opens for the store."""
    browser = app.test_client()
    response = browser.get(panel_link(plugin))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = browser.get("/")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {fake.base_url}"
    assert "Tea &amp; Biscuits Shop" in page.get_data(as_text=True)  # its name, learned


@pytest.mark.parametrize(
    ("age", "secret", "reason"),
    [(0, "guess", b"not signed"), (600, None, b"expired"), (-300, None, b"expired")],
)
def test_bad_plugin_links_are_refused(
    app: Flask, plugin: dict[str, Any], age: int, secret: str | None, reason: bytes
) -> None:
    """Given a link with a wrong signature or outside its lifetime, then 401 and no session."""
    browser = app.test_client()
    response = browser.get(panel_link(plugin, int(time.time()) - age, secret))
    assert response.status_code == 401 and reason in response.data
    with browser.session_transaction() as session:
        assert "store_id" not in session


def test_plugin_link_works_once(app: Flask, plugin: dict[str, Any]) -> None:
    """Given a link already used, when it is loaded again, then 401."""
    link = panel_link(plugin)
    assert app.test_client().get(link).status_code == 302
    assert app.test_client().get(link).status_code == 401


def test_production_panel_cookie_works_in_a_cross_site_iframe(
    app: Flask, plugin: dict[str, Any]
) -> None:
    """Given production settings, then the login cookie is SameSite=None, Secure, Partitioned."""
    production = Settings(env="production").flask_config(app.instance_path)
    keys = ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_PARTITIONED")
    saved = {k: app.config[k] for k in keys}
    app.config.update({k: production[k] for k in keys})
    try:
        response = app.test_client().get(panel_link(plugin))
    finally:
        app.config.update(saved)
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
