"""The panel opens inside WordPress admin: a real browser, a framed page, a signed link."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve
from tests.fakes.woocommerce.flow import connect, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running

pytestmark = pytest.mark.browser


@pytest.fixture
def live_app(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port; return its base URL."""
    with serve(app) as base:
        yield base


def _plugin_link(client: FlaskClient, app_url: str) -> str:
    page = client.get("/woocommerce").get_data(as_text=True)
    key = page.split('data-testid="plugin-key">')[1].split("<")[0]
    plugin = json.loads(base64.urlsafe_b64decode(key))
    ts = int(time.time())
    message = f"panel|{plugin['store']}|{ts}|1".encode()
    sig = hmac.new(plugin["secret"].encode(), message, hashlib.sha256).hexdigest()
    return f"{app_url}/woocommerce/plugin/{plugin['store']}/panel?ts={ts}&user=1&sig={sig}"


def test_wp_admin_menu_page_shows_the_panel(
    app: Flask, client: FlaskClient, live_app: str, run_jobs: Callable[[], None]
) -> None:
    """Given a connected store, when WP admin's ecomapp page loads, then the framed panel shows."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with woo_settings(app, app_url=live_app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        store.admin_panel_src = _plugin_link(client, live_app)
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"{store.base_url}/wp-admin/admin.php?page=ecomapp")
                frame = page.frame_locator("#ecomapp-panel")
                name = frame.locator('[data-testid="store-name"]')
                sync_api.expect(name).to_have_text("Tea & Biscuits Shop")  # learned at connect
                sync_api.expect(frame.locator("nav")).to_contain_text("WooCommerce")
            finally:
                browser.close()
