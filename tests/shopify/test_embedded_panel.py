"""The embedded panel: session tokens on every request, the bounce, 401 + retry, per-shop CSP."""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import customer_record, make_order
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.support import SECRET, installed, session_token

SHOP = "super-toys.myshopify.com"
OTHER = "other-shop.myshopify.com"
RETRY = "X-Shopify-Retry-Invalid-Session-Request"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "HX-Request": "true"}


@pytest.mark.parametrize("shop", [SHOP, OTHER])
def test_valid_token_opens_panel_with_app_bridge_and_shop_csp(
    client: FlaskClient, fake: FakeShopify, shop: str
) -> None:
    """Given a document load with an id_token, then the page has App Bridge and that shop's CSP."""
    installed(fake, SHOP)
    installed(fake, OTHER)
    response = client.get(f"/?shop={shop}&host=abc&embedded=1&id_token={session_token(shop)}")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert csp == f"frame-ancestors https://{shop} https://admin.shopify.com;"
    assert '<meta name="shopify-api-key" content="test-client-id">' in response.text
    assert "https://cdn.shopify.com/shopifycloud/app-bridge.js" in response.text
    assert "shopify-embedded.js" in response.text
    assert "X-Frame-Options" not in response.headers


@pytest.mark.parametrize(
    ("claims", "secret"),
    [
        ({"exp": -30, "nbf": -90}, SECRET),
        ({"aud": "someone-else"}, SECRET),
        ({}, "shpss_forged" + "0" * 32),
        ({"iss": "https://other-shop.myshopify.com/admin"}, SECRET),
        ({"dest": "https://evil.com", "iss": "https://evil.com/admin"}, SECRET),
        ({"nbf": 60}, SECRET),
    ],
    ids=["expired", "wrong-aud", "forged", "iss-dest-mismatch", "not-a-shop", "not-yet-valid"],
)
def test_bad_token_on_xhr_gets_401_with_retry_header(
    client: FlaskClient, fake: FakeShopify, claims: dict[str, object], secret: str
) -> None:
    """Given an htmx request with a bad session token, then 401 and the retry header."""
    installed(fake, SHOP)
    now = int(time.time())  # exp/nbf are offsets from the moment the test runs
    claims = {k: now + v if k in ("exp", "nbf") else v for k, v in claims.items()}  # type: ignore[operator]
    response = client.get("/customers", headers=_bearer(session_token(SHOP, secret, **claims)))
    assert response.status_code == 401 and response.headers[RETRY] == "1"


def test_token_within_leeway_is_accepted(client: FlaskClient, fake: FakeShopify) -> None:
    """Given a token that expired 5 s ago (inside the 10 s leeway), then it is accepted."""
    installed(fake, SHOP)
    now = int(time.time())
    token = session_token(SHOP, exp=now - 5, nbf=now - 65)
    assert client.get("/customers", headers=_bearer(token)).status_code == 200


def test_old_secret_is_accepted_during_rotation(
    app: Flask, client: FlaskClient, fake: FakeShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a rotated secret, a token signed with the old one still opens the panel."""
    installed(fake, SHOP)
    rotated = dataclasses.replace(
        app.config["SETTINGS"],
        shopify_api_secret="shpss_new" + "1" * 32,
        shopify_old_api_secret=SECRET,
    )
    monkeypatch.setitem(app.config, "SETTINGS", rotated)
    assert client.get("/customers", headers=_bearer(session_token(SHOP))).status_code == 200


def test_document_load_without_token_bounces_to_patch_page(
    client: FlaskClient, fake: FakeShopify
) -> None:
    """Given an embedded document load without a token, then a 302 to the patch-ID-token page."""
    installed(fake, SHOP)
    response = client.get(f"/orders?shop={SHOP}&host=abc&embedded=1")
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    query = parse_qs(location.query)
    assert location.path == "/shopify/patch-id-token" and query["shop"] == [SHOP]
    assert query["shopify-reload"] == [f"/orders?shop={SHOP}&host=abc&embedded=1"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and 'data-api-key="test-client-id"' in page.text
    assert page.headers["Content-Security-Policy"].startswith(f"frame-ancestors https://{SHOP} ")


def test_htmx_request_without_token_gets_401_not_the_bounce(
    client: FlaskClient, fake: FakeShopify
) -> None:
    """Given an htmx request with Shopify parameters but no token, then 401 and the retry header."""
    installed(fake, SHOP)
    response = client.get(f"/orders?shop={SHOP}&host=abc", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers[RETRY] == "1"


def test_htmx_request_without_token_or_shop_gets_401_with_retry_header(
    client: FlaskClient, fake: FakeShopify
) -> None:
    """Given a boosted htmx request with neither token nor shop parameters, then 401 + retry."""
    installed(fake, SHOP)
    response = client.get("/customers", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers[RETRY] == "1"
    assert RETRY not in client.get("/customers").headers  # a document load is not retried


def test_stale_id_token_in_url_bounces(client: FlaskClient, fake: FakeShopify) -> None:
    """Given a document load whose id_token expired, then it bounces instead of failing."""
    installed(fake, SHOP)
    old = session_token(SHOP, exp=int(time.time()) - 120, nbf=int(time.time()) - 180)
    response = client.get(f"/?shop={SHOP}&id_token={old}")
    assert response.status_code == 302 and "id_token" not in response.headers["Location"]


@pytest.mark.parametrize(
    "query",
    [
        "shop=evil.com&shopify-reload=/",
        "shop=x.myshopify.com.evil.com&shopify-reload=/",
        f"shop={SHOP}&shopify-reload=//evil.com/",
        f"shop={SHOP}&shopify-reload=https://evil.com/",
    ],
)
def test_patch_page_refuses_foreign_shop_or_reload(client: FlaskClient, query: str) -> None:
    """Given a patch page request naming a non-shop host or an off-site reload, then 400."""
    assert client.get(f"/shopify/patch-id-token?{query}").status_code == 400


def test_token_for_shop_a_never_reads_shop_b(client: FlaskClient, fake: FakeShopify) -> None:
    """Given two shops, a token for A (even with ?shop=B) sees only A's customers."""
    a, b = installed(fake, SHOP), installed(fake, OTHER)
    make_order(b, customer=customer_record(email="bob@b.example"))
    make_order(a, customer=customer_record(email="alice@a.example"))
    response = client.get(f"/customers?shop={OTHER}", headers=_bearer(session_token(SHOP)))
    assert "alice@a.example" in response.text and "bob@b.example" not in response.text


def test_token_auth_writes_skip_csrf_but_uninstalled_shop_is_refused(
    client: FlaskClient, fake: FakeShopify
) -> None:
    """Given a bearer token, a POST needs no CSRF cookie; a shop that never installed gets 401."""
    installed(fake, SHOP)
    response = client.post("/shopify/panel/sync", headers=_bearer(session_token(SHOP)))
    assert response.status_code == 200 and "sync-progress" in response.text
    stranger = client.get("/customers", headers=_bearer(session_token("nobody.myshopify.com")))
    assert stranger.status_code == 401


def test_standalone_request_is_left_to_other_sign_ins(client: FlaskClient) -> None:
    """Given no token and no Shopify query, the resolver stays out of the way (no bounce)."""
    response = client.get("/customers")
    assert response.status_code == 401 and "Location" not in response.headers
    assert "Content-Security-Policy" not in response.headers


def test_inside_the_admin_the_panel_uses_app_bridge_navigation_title_bar_and_polaris(
    client: FlaskClient, fake: FakeShopify
) -> None:
    """Given an embedded load, then App Bridge's nav menu (home first), title bar, Polaris."""
    installed(fake, SHOP)
    response = client.get(f"/orders?shop={SHOP}&host=abc&embedded=1&id_token={session_token(SHOP)}")
    page = response.text
    assert response.status_code == 200 and "<ui-nav-menu>" in page
    menu = page.split("<ui-nav-menu>")[1].split("</ui-nav-menu>")[0]
    assert menu.strip().startswith('<a href="/" rel="home">Dashboard</a>')
    assert '<a href="/orders">Orders</a>' in menu and '<a href="/shopify/panel">Shopify</a>' in menu
    assert '<ui-title-bar title="Orders"></ui-title-bar>' in page
    assert "https://cdn.shopify.com/shopifycloud/polaris.js" in page
    assert 'class="embedded"' in page


def test_standalone_the_panel_keeps_its_own_navigation(client: FlaskClient) -> None:
    """Outside the admin there is no App Bridge markup: our stylesheet and top bar work offline."""
    from tests.factories import make_store

    make_store(domain="demo.example.com", platform="demo")
    page = client.get("/orders").get_data(as_text=True)
    assert "<ui-nav-menu>" not in page and "cdn.shopify.com" not in page
    assert '<header class="topbar">' in page
