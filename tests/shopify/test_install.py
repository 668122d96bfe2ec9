"""Install: token exchange from the admin, the authorization-code grant, reinstall, refresh."""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import JobRecord, Store, utcnow
from ecomapp.platforms.shopify.install import SCOPES
from ecomapp.platforms.shopify.oauth import query_hmac
from ecomapp.platforms.shopify.tokens import access_token_for
from ecomapp.platforms.shopify.topics import COMPLIANCE_TOPICS, HANDLERS
from tests import services
from tests.fakes.shopify_server import FakeShopify, fixture_bytes
from tests.shopify.support import SECRET, deliver, installed, session_token, uninstalled_body

SHOP = "super-toys.myshopify.com"
ROOT = Path(__file__).resolve().parents[2]


def _open_app(client: FlaskClient, shop: str = SHOP) -> object:
    query = urlencode(
        {"embedded": "1", "host": "YWRtaW4", "shop": shop, "id_token": session_token(shop)}
    )
    return client.get(f"/shopify/app?{query}")


def test_fresh_install_by_token_exchange_creates_store_and_subscribes_nothing_by_api(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a first load from the admin, the store and its encrypted tokens exist, and no
    shop-specific webhook subscription is made (shopify.app.toml subscribes app-wide)."""
    response = _open_app(client)
    assert response.status_code == 302 and urlparse(response.headers["Location"]).path == "/"
    store = db.session.scalar(select(Store).where(Store.domain == SHOP))
    token = store.access_token
    assert token.startswith("shpat_") and token not in (store.access_token_enc or "")
    assert store.refresh_token.startswith("shprt_") and store.access_token_expires_at > utcnow()
    assert [c["grant"] for c in fake.calls] == ["urn:ietf:params:oauth:grant-type:token-exchange"]
    run_jobs()
    assert fake.subscriptions == []
    assert not [c for c in fake.calls if c.get("op") == "webhookSubscriptionCreate"]
    store = db.session.get(Store, store.id)
    assert store.name == "Super Toys" and store.currency == "CAD"
    assert store.settings["country"] == "CA"  # the default cart reminder policy follows it
    jobs = db.session.scalars(select(JobRecord.status).where(JobRecord.store_id == store.id))
    assert set(jobs) == {"succeeded"}
    follow = client.get(response.headers["Location"])
    assert follow.status_code == 200 and "Super Toys" in follow.text


def test_second_open_reuses_token(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given an installed shop, opening the app again does not exchange a new token."""
    _open_app(client)
    run_jobs()
    _open_app(client)
    run_jobs()
    assert len([c for c in fake.calls if c.get("grant")]) == 1


def test_install_removes_api_subscriptions_to_our_url_only(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given API-made subscriptions to our URL (older versions) and to another app's, when the
    shop installs, then ours are deleted (no double deliveries) and the other one stays."""
    ours = "http://127.0.0.1:5000/webhooks/shopify"
    for topic in ("ORDERS_CREATE", "APP_UNINSTALLED", "PRODUCTS_UPDATE"):
        fake.subscribe(SHOP, topic, ours)
    foreign = fake.subscribe(SHOP, "ORDERS_CREATE", "https://elsewhere.example.com/hooks")
    other_shop = fake.subscribe("other-shop.myshopify.com", "ORDERS_CREATE", ours)
    _open_app(client)
    run_jobs()
    assert fake.subscriptions == [foreign, other_shop]
    deleted = [c for c in fake.calls if c.get("op") == "webhookSubscriptionDelete"]
    assert len(deleted) == 3
    jobs = db.session.scalars(select(JobRecord.status).where(JobRecord.store_id.is_not(None)))
    assert set(jobs) == {"succeeded"}


def test_cli_queues_cleanup_for_every_installed_shop(
    fake: FakeShopify, runner: FlaskCliRunner, run_jobs: Callable[[], None]
) -> None:
    """Given an already installed shop with API-made subscriptions (upgrade), when
    `flask shopify-drop-api-webhooks` runs, then they are deleted."""
    installed(fake, SHOP)
    fake.subscribe(SHOP, "ORDERS_CREATE", "http://127.0.0.1:5000/webhooks/shopify")
    result = runner.invoke(args=["shopify-drop-api-webhooks"])
    assert result.exit_code == 0 and "queued for 1 shop" in result.output
    run_jobs()
    assert fake.subscriptions == []


def test_reinstall_after_uninstall_works(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given an uninstalled shop, opening the app again installs it with new tokens."""
    _open_app(client)
    run_jobs()
    deliver(client, "app/uninstalled", uninstalled_body(SHOP), SHOP)
    run_jobs()
    assert not db.session.scalar(select(Store)).is_active
    assert _open_app(client).status_code == 302
    store = db.session.scalar(select(Store))
    assert store.is_active and store.access_token in fake.access_tokens


def test_install_refuses_a_token_shopify_rejects(client: FlaskClient, fake: FakeShopify) -> None:
    """Given a token the stand-in refuses (other secret there), then no store is created."""
    fake.client_secret = "shpss_" + "9" * 32
    assert _open_app(client).status_code == 502
    assert db.session.scalar(select(Store)) is None


def _callback_params(nonce: str, **changes: str) -> dict[str, str]:
    params = {"code": "code-1", "host": "YWRtaW4", "shop": SHOP, "state": nonce}
    params |= {"timestamp": str(int(time.time()))} | changes
    params["hmac"] = query_hmac(params, SECRET)
    return params


def _begin(client: FlaskClient) -> str:
    response = client.get(f"/shopify/install?shop={SHOP}")
    location = urlparse(response.headers["Location"])
    assert location.netloc == SHOP and location.path == "/admin/oauth/authorize"
    query = parse_qs(location.query)
    assert query["scope"] == [SCOPES] and query["client_id"] == ["test-client-id"]
    return query["state"][0]


def test_authorization_code_grant_installs(client: FlaskClient, fake: FakeShopify) -> None:
    """Given a signed, fresh callback with our nonce, the code is traded and the store created."""
    fake.codes["code-1"] = SHOP
    nonce = _begin(client)
    response = client.get("/shopify/callback?" + urlencode(_callback_params(nonce)))
    assert response.status_code == 302
    assert response.headers["Location"] == f"https://{SHOP}/admin/apps/test-client-id"
    assert db.session.scalar(select(Store)).access_token in fake.access_tokens


@pytest.mark.parametrize(
    "tamper",
    ["hmac", "timestamp", "state", "shop"],
)
def test_authorization_code_callback_checks(
    client: FlaskClient, fake: FakeShopify, tamper: str
) -> None:
    """Given a callback with a bad HMAC, stale timestamp, wrong state or bad shop, then 403."""
    fake.codes["code-1"] = SHOP
    nonce = _begin(client)
    changes = {
        "timestamp": {"timestamp": str(int(time.time()) - 3600)},
        "state": {"state": "not-the-nonce"},
        "shop": {"shop": "super-toys.myshopify.com.evil.com"},
    }.get(tamper, {})
    params = _callback_params(nonce, **changes)
    if tamper == "hmac":
        params["hmac"] = "0" * 64
    assert client.get("/shopify/callback?" + urlencode(params)).status_code == 403
    assert db.session.scalar(select(Store)) is None


@pytest.mark.parametrize(
    "shop", ["evil.com", "x.myshopify.com.evil.com", "-x.myshopify.com", "a.myshopify.com/x"]
)
def test_install_refuses_unanchored_shop_domains(client: FlaskClient, shop: str) -> None:
    """Given a shop parameter that is not exactly <name>.myshopify.com, then 400."""
    assert client.get("/shopify/install", query_string={"shop": shop}).status_code == 400


def _expiring_soon(store: Store) -> None:
    store.access_token_expires_at = utcnow() + timedelta(minutes=1)
    db.session.commit()


def test_token_is_refreshed_before_expiry_and_every_value_stored(fake: FakeShopify) -> None:
    """Given a token that expires within the margin, the next call refreshes and stores it all."""
    store = installed(fake, SHOP)
    old_token, old_refresh = store.access_token, store.refresh_token
    _expiring_soon(store)
    token = access_token_for(store)
    assert token != old_token and store.refresh_token != old_refresh
    assert store.access_token_expires_at > utcnow() + timedelta(minutes=50)
    assert old_refresh not in fake.refresh_tokens and store.refresh_token in fake.refresh_tokens


def test_valid_token_is_not_refreshed(fake: FakeShopify) -> None:
    """Given a token with an hour left, no refresh call is made."""
    store = installed(fake, SHOP)
    assert access_token_for(store) == store.access_token
    assert not [c for c in fake.calls if c.get("grant") == "refresh_token"]


def test_two_workers_refreshing_at_once_refresh_once(app: Flask, fake: FakeShopify) -> None:
    """Given two threads needing a refresh together, Shopify sees one refresh and both succeed."""
    store = installed(fake, SHOP)
    _expiring_soon(store)
    fake.refresh_delay = 0.2  # widen the window a race would need
    store_id = store.id
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            try:
                results.append(access_token_for(db.session.get(Store, store_id)))
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    refreshes = [c for c in fake.calls if c.get("grant") == "refresh_token"]
    assert len(refreshes) == 1 and len(set(results)) == 1 and results[0] in fake.access_tokens


@pytest.mark.skipif(not services.TEST_DATABASE_URL, reason="row locks need PostgreSQL")
def test_webhook_is_recorded_while_a_refresh_holds_the_store_row(
    app: Flask, client: FlaskClient, fake: FakeShopify
) -> None:
    """Given a token refresh waiting on Shopify with the store row locked, when a delivery for
    that shop arrives, then it is recorded (its foreign key check does not wait for the refresh)."""
    store = installed(fake, SHOP)
    _expiring_soon(store)
    store_id, gate = store.id, threading.Event()
    fake.refresh_gate = gate
    threading.Timer(20, gate.set).start()  # a blocked door would be released here, too late

    def refresh() -> None:
        with app.app_context():
            access_token_for(db.session.get(Store, store_id))
            db.session.remove()

    worker = threading.Thread(target=refresh)
    worker.start()
    assert fake.refreshing.wait(10)
    answered = deliver(client, "orders/create", fixture_bytes("orders_create.json"), SHOP)
    released_before_answer = gate.is_set()
    gate.set()
    worker.join()
    assert answered.status_code == 200 and not released_before_answer


def test_app_toml_declares_every_topic_and_scope() -> None:
    """Given shopify.app.toml, it is embedded, subscribes every handled topic and our scopes."""
    config = tomllib.loads((ROOT / "shopify.app.toml").read_text())
    subs = config["webhooks"]["subscriptions"]
    topics = {t for s in subs for t in s.get("topics", [])}
    compliance = {t for s in subs for t in s.get("compliance_topics", [])}
    assert config["embedded"] is True and config["access_scopes"]["scopes"] == SCOPES
    assert topics == set(HANDLERS) - set(COMPLIANCE_TOPICS)
    assert compliance == set(COMPLIANCE_TOPICS)
