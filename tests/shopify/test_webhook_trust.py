"""What the HMAC does not cover: replayed, re-addressed, stale or absurd signed deliveries."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.models import InboxDelivery, Order, Store, utcnow
from ecomapp.platforms.shopify.topics import HANDLERS
from tests.fakes.shopify_server import FIXTURES, FakeShopify, fixture, fixture_bytes
from tests.shopify.support import deliver, installed, signed_headers, uninstalled_body

SHOP = "super-toys.myshopify.com"
VICTIM = "victim-shop.myshopify.com"

# Shopify's published sample for each topic we handle, as a real delivery for SHOP would carry it.
SAMPLES = {
    "orders/create": "orders_create.json",
    "orders/paid": "orders_paid.json",
    "orders/updated": "orders_updated.json",
    "orders/cancelled": "orders_cancelled.json",
    "orders/fulfilled": "orders_fulfilled.json",
    "orders/risk_assessment_changed": "orders_risk_assessment_changed.json",
    "disputes/create": "disputes_create.json",
    "disputes/update": "disputes_create.json",
    "customers/create": "customers_create.json",
    "customers/update": "customers_update.json",
    "customer.tags_added": "customer.tags_added.json",
    "customer.tags_removed": "customer.tags_added.json",
    "customers_email_marketing_consent/update": "customers_email_marketing_consent_update.json",
    "checkouts/create": "checkouts_create.json",
    "checkouts/update": "checkouts_update.json",
    "inventory_levels/update": "inventory_levels_update.json",
    "inventory_levels/disconnect": "inventory_levels_update.json",
    "products/create": "products_create.json",
    "products/update": "products_update.json",
    "products/delete": "products_delete.json",
    "app/uninstalled": "app_uninstalled.json",
    "customers/data_request": "customers_data_request.json",
    "customers/redact": "customers_redact.json",
    "shop/redact": "shop_redact.json",
}


def _sample(name: str, shop: str) -> bytes:
    """Return a published sample with the shop identity a real delivery for shop carries."""
    if name == "app_uninstalled.json":
        return uninstalled_body(shop)
    text = (FIXTURES / name).read_text().replace("{shop}.myshopify.com", shop)
    return json.dumps(json.loads(text), separators=(",", ":")).encode()


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(InboxDelivery)) or 0


def _store(domain: str) -> Store:
    return db.session.scalar(select(Store).where(Store.domain == domain))


def test_every_handled_topic_accepts_its_published_sample(
    client: FlaskClient, fake: FakeShopify
) -> None:
    """Given Shopify's sample of every topic we handle, when delivered, then each gets 200."""
    installed(fake, SHOP)
    assert set(SAMPLES) == set(HANDLERS)
    refused = {
        topic: deliver(client, topic, _sample(name, SHOP), SHOP).status_code
        for topic, name in SAMPLES.items()
    }
    assert {t: s for t, s in refused.items() if s != 200} == {}
    assert _rows() == len(SAMPLES)


def test_uninstall_replayed_to_another_shop_is_refused(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a signed app/uninstalled of one shop, when re-posted for another, then 400, kept."""
    installed(fake, SHOP)
    installed(fake, VICTIM)
    body = uninstalled_body(SHOP)
    assert deliver(client, "app/uninstalled", body, VICTIM).status_code == 400
    run_jobs()
    assert _store(VICTIM).is_active and _store(VICTIM).access_token is not None
    assert _rows() == 0


def test_shop_redact_replayed_to_another_shop_is_refused(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a signed shop/redact of one shop, when re-posted for another, its data stays."""
    installed(fake, SHOP)
    installed(fake, VICTIM)
    assert (
        deliver(client, "orders/create", fixture_bytes("orders_create.json"), VICTIM).status_code
        == 200
    )
    run_jobs()
    body = _sample("shop_redact.json", SHOP)
    for topic in ("shop/redact", "customers/redact"):
        assert deliver(client, topic, body, VICTIM).status_code == 400
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert _rows() == 1


@pytest.mark.parametrize(
    ("topic", "sample"),
    [
        ("app/uninstalled", "orders_create.json"),
        ("shop/redact", "customers_create.json"),
        ("customers/update", "orders_create.json"),
        ("products/delete", "orders_create.json"),
        ("checkouts/update", "orders_create.json"),
        ("orders/create", "customers_create.json"),
        ("products/update", "checkouts_create.json"),
        ("customer.tags_removed", "customers_create.json"),
    ],
)
def test_signed_body_under_another_topic_is_refused(
    topic: str, sample: str, client: FlaskClient, fake: FakeShopify
) -> None:
    """Given a genuinely signed body of one topic, when re-posted as another, then 400, no row."""
    installed(fake, SHOP)
    assert deliver(client, topic, _sample(sample, SHOP), SHOP).status_code == 400
    assert _rows() == 0 and _store(SHOP).is_active


def test_delivery_older_than_the_retry_window_is_refused(
    client: FlaskClient, fake: FakeShopify, time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a delivery triggered at T, then it is accepted at T+4h59 and refused at T+5h01."""
    installed(fake, SHOP)
    triggered = utcnow()
    body = fixture_bytes("orders_create.json")
    time_machine.move_to(triggered + timedelta(hours=4, minutes=59), tick=False)
    assert deliver(client, "orders/create", body, SHOP, triggered=triggered).status_code == 200
    time_machine.move_to(triggered + timedelta(hours=5, minutes=1), tick=False)
    assert deliver(client, "orders/create", body, SHOP, triggered=triggered).status_code == 400
    assert _rows() == 1


def test_delivery_without_or_with_a_future_trigger_time_is_refused(
    client: FlaskClient, fake: FakeShopify
) -> None:
    """Given no Triggered-At, a garbled one, or one a day ahead, then 400 and no row."""
    installed(fake, SHOP)
    body = fixture_bytes("orders_create.json")
    headers = signed_headers("orders/create", body, SHOP)
    for value in (None, "yesterday", "2026-12-05T10:00:00"):
        sent = {k: v for k, v in headers.items() if k != "X-Shopify-Triggered-At"}
        if value is not None:
            sent["X-Shopify-Triggered-At"] = value
        assert client.post("/webhooks/shopify", data=body, headers=sent).status_code == 400
    ahead = utcnow() + timedelta(days=1)
    assert deliver(client, "orders/create", body, SHOP, triggered=ahead).status_code == 400
    assert _rows() == 0


def test_signed_body_nested_100000_deep_gets_400(client: FlaskClient, fake: FakeShopify) -> None:
    """Given a signed JSON body nesting 100,000 levels, when delivered, then 400, never 500."""
    installed(fake, SHOP)
    body = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = deliver(client, "orders/create", body, SHOP)
    assert response.status_code == 400 and b"deep" in response.data and _rows() == 0


def test_header_shop_is_compared_case_insensitively(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a genuine uninstall whose header shop is upper-cased (HTTP/2 proxies), it applies."""
    installed(fake, SHOP)
    assert (
        deliver(client, "app/uninstalled", uninstalled_body(SHOP), SHOP.upper()).status_code == 200
    )
    run_jobs()
    assert not _store(SHOP).is_active


def test_uninstall_naming_no_shop_is_refused(client: FlaskClient, fake: FakeShopify) -> None:
    """Given an app/uninstalled payload with no myshopify_domain, then 400: it names no shop."""
    installed(fake, SHOP)
    body = fixture_bytes("app_uninstalled.json")
    assert fixture("app_uninstalled.json")["myshopify_domain"] is None
    assert deliver(client, "app/uninstalled", body, SHOP).status_code == 400
    assert _store(SHOP).is_active
