"""Connecting a WooCommerce store through /wc-auth, and disconnecting it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from ecomapp.extensions import db
from ecomapp.models import Store, WooConnection, WooSite
from ecomapp.models.types import utcnow
from ecomapp.platforms.woocommerce.connect import purge_pending_connections
from tests.factories import make_store
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import (
    callback_body,
    connect,
    deliver,
    hook_for,
    post_callback,
    start,
    woo_settings,
)
from tests.fakes.woocommerce.server import CONSUMER_KEY, CONSUMER_SECRET, FakeWooStore, running


@pytest.fixture
def fake(app: Flask) -> Iterator[FakeWooStore]:
    """Return a loopback WooCommerce store and dev settings that may reach it."""
    with woo_settings(app), running(FakeWooStore()) as store:
        yield store


def _stores() -> int:
    return db.session.scalar(select(func.count()).select_from(Store))


def test_connect_sends_merchant_to_wc_auth_with_single_use_token(
    client: FlaskClient, fake: FakeWooStore
) -> None:
    """Given a store URL, when the form is sent, then we redirect to /wc-auth with our token."""
    response = start(client, fake.base_url + "/")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == (
        f"{fake.base_url}/wc-auth/v1/authorize"
    )
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["app_name"] == "ecomapp" and query["scope"] == "read_write"
    assert query["callback_url"] == "http://localhost/woocommerce/callback"
    assert query["return_url"].startswith("http://localhost/woocommerce/return/")
    pending = db.session.scalar(select(WooConnection))
    assert pending.store_url == fake.base_url and pending.token_hash != query["user_id"]


def test_callback_stores_keys_encrypted_and_answers_exactly_200(
    client: FlaskClient, fake: FakeWooStore
) -> None:
    """Given an approved connection, when the store posts its key, then 200 and keys at rest."""
    body, query = callback_body(start(client, fake.base_url).headers["Location"])
    response = post_callback(client, query, body)
    assert response.status_code == 200
    store = db.session.scalar(select(Store).where(Store.platform == "woocommerce"))
    assert store.domain == fake.base_url.split("://")[1]
    assert (
        CONSUMER_KEY not in store.access_token_enc and CONSUMER_SECRET not in store.api_secret_enc
    )
    assert (store.access_token, store.api_secret) == (CONSUMER_KEY, CONSUMER_SECRET)
    site = db.session.scalar(select(WooSite))
    assert site.key_id == 7 and site.webhook_secret and site.plugin_secret


def test_replayed_callback_is_refused(client: FlaskClient, fake: FakeWooStore) -> None:
    """Given a callback already used, when it is posted again, then 400 and nothing changes."""
    body, query = callback_body(start(client, fake.base_url).headers["Location"])
    assert post_callback(client, query, body).status_code == 200
    replay = post_callback(client, query, {**body, "consumer_key": "ck_attacker"})
    assert replay.status_code == 400
    store = db.session.scalar(select(Store))
    assert store.access_token == CONSUMER_KEY and _stores() == 1


def test_callback_with_unknown_token_is_refused(client: FlaskClient, fake: FakeWooStore) -> None:
    """Given a token we never issued, when the callback arrives, then 400 and no store."""
    body, query = callback_body(start(client, fake.base_url).headers["Location"])
    response = post_callback(client, query, {**body, "user_id": "forged-token"})
    assert response.status_code == 400 and _stores() == 0


def test_callback_with_expired_token_is_refused(client: FlaskClient, fake: FakeWooStore) -> None:
    """Given a pending connection older than its lifetime, then the callback is refused."""
    body, query = callback_body(start(client, fake.base_url).headers["Location"])
    db.session.execute(update(WooConnection).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert post_callback(client, query, body).status_code == 400 and _stores() == 0


def test_callback_without_keys_is_refused(client: FlaskClient, fake: FakeWooStore) -> None:
    """Given a callback body missing the secret, then 400 names what is missing."""
    body, query = callback_body(start(client, fake.base_url).headers["Location"])
    del body["consumer_secret"]
    response = post_callback(client, query, body)
    assert response.status_code == 400 and b"consumer_secret" in response.data


def test_return_url_lands_in_the_panel(client: FlaskClient, fake: FakeWooStore) -> None:
    """Given an approved connection, when the merchant returns, then the panel opens for it."""
    response = connect(client, fake)
    assert response.status_code == 302 and response.headers["Location"] == "/woocommerce"
    page = client.get("/woocommerce")
    assert page.status_code == 200 and fake.base_url in page.get_data(as_text=True)


def test_return_url_opened_in_another_browser_is_refused(
    app: Flask, client: FlaskClient, fake: FakeWooStore
) -> None:
    """Given a return URL, when a browser that did not start the connection opens it, then 401."""
    body, query = callback_body(start(client, fake.base_url).headers["Location"])
    post_callback(client, query, body)
    other = app.test_client()
    assert other.get(urlsplit(query["return_url"]).path + "?success=1").status_code == 401


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://shop.example.com", "must start with https"),
        ("https://user:pw@shop.example.com", "user name or password"),
        ("https://shop.example.com/?p=1", "query"),
        ("https://shop.example.com/#top", "fragment"),
        ("https://shop", "not a public host name"),
        ("https://127.0.0.1", "private or loopback"),
        ("https://10.0.0.8/shop", "private or loopback"),
        ("https://sh_op.example.com", "not a valid host name"),
        ("https://-shop.example.com", "not a valid host name"),
        ("ftp://shop.example.com", "must start with https"),
        ("", "must start with https"),
    ],
)
def test_connect_refuses_bad_store_urls(
    app: Flask, client: FlaskClient, url: str, reason: str
) -> None:
    """Given a store URL that is not a plain public https URL, then 400 names the problem."""
    with woo_settings(app, woocommerce_allow_http=False, app_url="https://app.example.com"):
        response = start(client, url)
    assert response.status_code == 400 and reason in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WooConnection)) == 0


def test_connect_accepts_wordpress_in_a_subfolder(app: Flask, client: FlaskClient) -> None:
    """Given https://host/wp/, then /wc-auth is under the subfolder and callbacks are https."""
    with woo_settings(app, woocommerce_allow_http=False, app_url="https://app.example.com"):
        response = start(client, "https://Shop.Example.com:8443/wp/")
    location = response.headers["Location"]
    assert location.startswith("https://shop.example.com:8443/wp/wc-auth/v1/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["callback_url"] == ["https://app.example.com/woocommerce/callback"]


def test_connect_refuses_when_app_url_is_not_https(app: Flask, client: FlaskClient) -> None:
    """Given APP_URL on http in production settings, then connecting explains the callback rule."""
    with woo_settings(app, woocommerce_allow_http=False, app_url="http://app.example.com"):
        response = start(client, "https://shop.example.com")
    assert response.status_code == 400 and "APP_URL must be https" in response.get_data(True)


def test_connected_store_gets_webhooks_and_history(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a store with history, when connected and jobs run, then hooks exist and data is in."""
    fake.add("products", wc.product(41))
    fake.add("customers", wc.customer(5))
    fake.add("orders", wc.order(727, customer_id=5))
    connect(client, fake)
    run_jobs()
    site = db.session.scalar(select(WooSite))
    assert sorted(h["topic"] for h in fake.webhooks.values()) == sorted(site.webhook_ids)
    assert len(fake.webhooks) == 9
    assert all(h["secret"] == site.webhook_secret for h in fake.webhooks.values())
    assert all(h["delivery_url"].endswith(site.hook_token) for h in fake.webhooks.values())
    assert site.sync_state["status"] == "done" and site.sync_state["order"]["done"] == 1
    assert deliver(client, hook_for(fake, "order.updated"), wc.order(728)).status_code == 200


def test_disconnect_revokes_webhooks_and_deletes_credentials(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a connected store, when the merchant disconnects, then hooks and keys are gone."""
    connect(client, fake)
    run_jobs()
    hook = hook_for(fake, "order.created")
    page = client.get("/woocommerce").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/woocommerce/disconnect", data={"csrf_token": token})
    assert response.status_code == 200
    assert fake.webhooks == {}
    assert list(fake.api_keys) == [7]  # no plugin to revoke it: the merchant is told how
    page = response.get_data(as_text=True)
    assert "WooCommerce → Settings → Advanced → REST API" in page
    assert f"…{CONSUMER_KEY[-7:]}" in page and "ecomapp - API (" in page
    assert "plugin is not installed" in page
    store = db.session.scalar(select(Store))
    assert store.access_token_enc is None and store.api_secret_enc is None
    assert not store.is_active
    assert deliver(client, hook, wc.order(729)).status_code == 404
    assert db.session.scalar(select(WooSite)).webhook_ids == {}


def test_expired_pending_connections_are_purged(client: FlaskClient, fake: FakeWooStore) -> None:
    """Given one pending connection expired two days ago and one fresh, then only the old goes."""
    start(client, fake.base_url)
    start(client, fake.base_url)
    old = db.session.scalar(select(WooConnection).order_by(WooConnection.id))
    old.expires_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert purge_pending_connections() == 1
    assert db.session.scalar(select(func.count()).select_from(WooConnection)) == 1


def test_woocommerce_page_of_another_platform_offers_to_connect(client: FlaskClient) -> None:
    """Given the demo store's panel, when the WooCommerce page opens, then it links to connect."""
    make_store("demo")
    page = client.get("/woocommerce")
    assert page.status_code == 200 and b'href="/woocommerce/connect"' in page.data


def test_reconnecting_after_disconnect_reuses_the_store_with_fresh_secrets(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a disconnected store, when connected again, then same row, new secrets, hooks back."""
    connect(client, fake)
    run_jobs()
    first_secret = db.session.scalar(select(WooSite)).webhook_secret
    token = client.get("/woocommerce").get_data(as_text=True).split('csrf_token" value="')[1]
    client.post("/woocommerce/disconnect", data={"csrf_token": token.split('"')[0]})
    connect(client, fake)
    run_jobs()
    store, site = db.session.scalar(select(Store)), db.session.scalar(select(WooSite))
    assert _stores() == 1 and store.is_active and store.access_token == CONSUMER_KEY
    assert site.webhook_secret != first_secret and len(fake.webhooks) == 9
    assert all(h["secret"] == site.webhook_secret for h in fake.webhooks.values())
