"""The panel inside a Shopify admin iframe, in headless Chromium (all traffic answered locally)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.fakes.shopify_server import FakeShopify
from tests.shopify.support import installed, session_token

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SHOP = "super-toys.myshopify.com"
APP = "https://ecomapp.test"
ADMIN = "https://admin.shopify.com/store/super-toys/apps/ecomapp"
FAKE_APP_BRIDGE = """window.shopify = {
  idToken: async () => (await fetch("https://cdn.shopify.com/__token")).text(),
};"""


def _frame_page(src: str) -> str:
    return f'<!doctype html><title>admin</title><iframe id="app" src="{src}"></iframe>'


class LocalWeb:
    """Answer every browser request in-process: admin page, App Bridge stand-in, our app."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.app_requests: list[dict[str, Any]] = []

    def app_url(self) -> str:
        return f"{APP}/?embedded=1&host=YWRtaW4&shop={SHOP}&id_token={session_token(SHOP)}"

    def handle(self, route: Any) -> None:
        """Fulfil one intercepted request."""
        request, url = route.request, route.request.url
        if url.startswith(ADMIN) or url.startswith("https://evil.example/"):
            route.fulfill(status=200, content_type="text/html", body=_frame_page(self.app_url()))
        elif url == "https://cdn.shopify.com/shopifycloud/app-bridge.js":
            route.fulfill(status=200, content_type="text/javascript", body=FAKE_APP_BRIDGE)
        elif url == "https://cdn.shopify.com/__token":
            route.fulfill(
                status=200, body=session_token(SHOP), headers={"Access-Control-Allow-Origin": "*"}
            )
        elif url.startswith(APP):
            self._forward(route, request, url[len(APP) :])
        else:
            route.abort()

    def _forward(self, route: Any, request: Any, path: str) -> None:
        headers = dict(request.headers)
        self.app_requests.append({"path": path, "headers": headers})
        response = self.client.open(
            path, method=request.method, headers=headers, data=request.post_data_buffer
        )
        body = response.get_data()
        response.close()
        route.fulfill(status=response.status_code, headers=dict(response.headers), body=body)


@pytest.fixture
def browser_page(client: FlaskClient) -> Iterator[tuple[Any, LocalWeb]]:
    """Return a Chromium page whose every request is answered by LocalWeb."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    web = LocalWeb(client)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context()
        context.route("**/*", web.handle)
        yield context.new_page(), web
        browser.close()


def test_panel_loads_in_admin_iframe_and_htmx_carries_the_token(
    browser_page: tuple[Any, LocalWeb], fake: FakeShopify
) -> None:
    """Given the admin frames the app, the panel renders and navigation sends a bearer token."""
    page, web = browser_page
    installed(fake, SHOP)
    page.goto(ADMIN)
    frame = page.frame_locator("#app")
    frame.get_by_test_id("store-name").wait_for()
    frame.get_by_role("link", name="Customers").click()
    frame.locator("h1", has_text="Customers").wait_for()
    boosted = [r for r in web.app_requests if r["path"].startswith("/customers")]
    assert boosted and boosted[-1]["headers"].get("authorization", "").startswith("Bearer ey")
    assert boosted[-1]["headers"].get("hx-request") == "true"


def test_htmx_post_inside_the_iframe_needs_no_cookie(
    browser_page: tuple[Any, LocalWeb], fake: FakeShopify
) -> None:
    """Given the Shopify page in the iframe, "Sync now" (an htmx POST) is accepted by token."""
    page, web = browser_page
    installed(fake, SHOP)
    page.goto(ADMIN)
    frame = page.frame_locator("#app")
    frame.get_by_role("link", name="Shopify").click()
    frame.get_by_role("button", name="Sync now").click()
    frame.get_by_text("Sync queued").wait_for()
    posts = [r for r in web.app_requests if r["path"] == "/shopify/panel/sync"]
    assert posts and "cookie" not in posts[-1]["headers"]


def test_other_sites_cannot_frame_the_panel(
    browser_page: tuple[Any, LocalWeb], fake: FakeShopify
) -> None:
    """Given a page on another origin framing the app, Chromium refuses to render it (CSP)."""
    page, web = browser_page
    installed(fake, SHOP)
    page.goto("https://evil.example/", wait_until="load")  # load waits for the iframe too
    frame = page.frame_locator("#app")
    assert frame.get_by_test_id("store-name").count() == 0
    assert web.app_requests  # the app answered; the browser refused to show it


def test_panel_refuses_without_a_token(browser_page: tuple[Any, LocalWeb]) -> None:
    """Given a document load of the app with no token and no shop, then 401 and no panel."""
    page, _ = browser_page
    response = page.goto(f"{APP}/customers")
    assert response is not None and response.status == 401
    assert page.get_by_test_id("store-name").count() == 0
