"""Erasure reaches every table: WooCommerce customer.deleted and WordPress' own eraser."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import InboxDelivery, Message, Order, Signup, Store, WooSite
from ecomapp.models.types import utcnow
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, hook_for, sign, woo_settings
from tests.fakes.woocommerce.flow import deliver as woo_deliver
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.privacy_support import OTHER, PERSON, automations, count, hits
from tests.services import IN_CI

SHOP = "super-toys.myshopify.com"
HARNESS = Path(__file__).resolve().parent / "fakes" / "woocommerce" / "wp_privacy_harness.php"
# --- WooCommerce -------------------------------------------------------------------------


@pytest.fixture
def woo(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a loopback WooCommerce store connected to the app, with our webhooks on it."""
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        yield store


def _woo_address(person: dict[str, str], email: str | None) -> dict[str, Any]:
    address = wc.address(person["first_name"], person["last_name"], email)
    address |= {
        "address_1": person.get("address1", "1 Rue Haute"),
        "city": person.get("city", "Lyon"),
    }
    return address | {"postcode": person.get("zip", "69001"), "phone": person.get("phone", "")}


def _woo_customer(cid: int, person: dict[str, str]) -> dict[str, Any]:
    body = wc.customer(cid, person["email"], person["first_name"], person["last_name"])
    return body | {"billing": _woo_address(person, person["email"])}


def _woo_order(oid: int, cid: int, person: dict[str, str]) -> dict[str, Any]:
    body = wc.order(oid, customer_id=cid, email=person["email"])
    billing, shipping = _woo_address(person, person["email"]), _woo_address(person, None)
    return body | {"billing": billing, "shipping": shipping, "customer_note": "leave at door"}


def _woo_history(client: FlaskClient, woo: FakeWooStore, run_jobs: Callable[[], None]) -> Store:
    store = db.session.scalar(select(Store).where(Store.platform == "woocommerce"))
    automations(store)
    woo_deliver(client, hook_for(woo, "customer.created"), _woo_customer(5, PERSON))
    woo_deliver(client, hook_for(woo, "customer.created"), _woo_customer(6, OTHER))
    woo_deliver(client, hook_for(woo, "order.created"), _woo_order(901, 5, PERSON))
    woo_deliver(client, hook_for(woo, "order.created"), _woo_order(902, 0, PERSON))  # as a guest
    woo_deliver(client, hook_for(woo, "order.created"), _woo_order(903, 6, OTHER))
    db.session.add(_signup(store, PERSON))  # a newsletter signup holds name, e-mail and phone
    run_jobs()
    return store


def _signup(store: Store, person: dict[str, str]) -> Signup:
    name = f"{person['first_name']} {person['last_name']}"
    return Signup(
        store_id=store.id, email=person["email"].lower(), name=name, source="woocommerce_plugin",
        phone=person.get("phone", "") or "", consent_text="yes", link_expires_at=utcnow(),
    )  # fmt: skip


def test_woocommerce_customer_deleted_erases_the_customer_everywhere(
    client: FlaskClient, woo: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a registered customer who also checked out as a guest, when customer.deleted is
    delivered, then nothing of them is left in any table and the other customer is kept."""
    _woo_history(client, woo, run_jobs)
    assert count(Message) >= 4 and len(hits(PERSON)) > 20
    woo_deliver(client, hook_for(woo, "customer.deleted"), {"id": 5})
    run_jobs()
    assert hits(PERSON) == []
    assert "customers.email=" + OTHER["email"] in hits(OTHER)
    assert count(Order) == 3


def _php() -> str:
    php = shutil.which("php")
    if php is None:
        if IN_CI:
            pytest.fail("php is not installed: CI must `apt-get install -y php-cli`")
        pytest.skip("php is not installed")
    return php


def _eraser(key: str, email: str, status: int = 202) -> dict[str, Any]:
    payload = json.dumps({"key": key, "email": email, "status": status})
    result = subprocess.run([_php(), str(HARNESS), payload], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _plugin_key(client: FlaskClient) -> str:
    page = client.get("/woocommerce").get_data(as_text=True)
    return page.split('data-testid="plugin-key">')[1].split("<")[0]


def test_wordpress_eraser_reaches_the_app_through_the_plugin(
    client: FlaskClient, woo: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a person known by e-mail (registered and guest orders), when WordPress' eraser
    runs the plugin's PHP and its signed request reaches the app, then no table holds them."""
    _woo_history(client, woo, run_jobs)
    sent = _eraser(_plugin_key(client), PERSON["email"].upper())
    assert sent["blocking"] is True and sent["result"]["items_removed"] is True
    assert sent["result"]["done"] is True
    path = urlsplit(sent["url"]).path
    headers = {"X-Ecomapp-Signature": sent["signature"]}
    forged = client.post(path, data=sent["body"].replace("PHILIPPA", "BOB"), headers=headers)
    assert forged.status_code == 401
    response = client.post(path, data=sent["body"].encode(), headers=headers)
    assert response.status_code == 202
    run_jobs()
    assert hits(PERSON) == []
    assert "customers.email=" + OTHER["email"] in hits(OTHER)


def test_eraser_reports_retained_data_when_the_app_does_not_accept(
    client: FlaskClient, woo: FakeWooStore
) -> None:
    """Given the app answers 500, when the eraser runs, then WordPress is told data remains."""
    sent = _eraser(_plugin_key(client), PERSON["email"], status=500)
    assert sent["result"]["items_removed"] is False and sent["result"]["items_retained"] is True


def test_erase_request_without_an_email_is_refused(client: FlaskClient, woo: FakeWooStore) -> None:
    """Given a correctly signed body without an e-mail, then 400 and no inbox row."""
    sent = _eraser(_plugin_key(client), PERSON["email"])
    body = json.dumps({"event": "personal_data.erase", "email": 42}).encode()
    site = db.session.scalar(select(WooSite))
    signature = sign(str(site.plugin_secret), body)
    response = client.post(
        urlsplit(sent["url"]).path, data=body, headers={"X-Ecomapp-Signature": signature}
    )
    assert response.status_code == 400
    assert count(InboxDelivery, InboxDelivery.topic == "plugin.erase") == 0
