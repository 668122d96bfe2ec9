"""The framed panel keeps its session in development mode too, in a cross-site frame."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ecomapp.config import Settings
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve
from tests.fakes.woocommerce.flow import connect, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.test_woocommerce_panel_browser import _plugin_link

COOKIE_KEYS = ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_PARTITIONED")


@pytest.mark.parametrize(
    ("env", "app_url", "framed"),
    [
        ("development", "http://127.0.0.1:5000", True),
        ("development", "http://localhost:5000", True),
        ("development", "https://ecomapp.example.com", True),
        ("development", "http://192.168.1.20:5000", False),
        ("production", "https://ecomapp.example.com", True),
    ],
)
def test_session_cookie_is_kept_in_a_frame_wherever_the_browser_allows_it(
    env: str, app_url: str, framed: bool, tmp_path: object
) -> None:
    """Given each documented mode, then the cookie is framed-ready exactly when it can be."""
    config = Settings(env=env, app_url=app_url).flask_config(str(tmp_path))
    expected = (True, "None", True) if framed else (False, "Lax", False)
    assert tuple(config[k] for k in COOKIE_KEYS) == expected


@pytest.mark.browser
def test_wp_admin_frames_the_panel_from_another_site_in_development(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given the app in development on http://127.0.0.1 and WP admin on http://localhost (another
    site), when the ecomapp menu page loads, then the panel opens and its links stay signed in."""
    sync_api = pytest.importorskip("playwright.sync_api")
    saved = {k: app.config[k] for k in COOKIE_KEYS}
    with serve(app) as live, woo_settings(app, app_url=live), running(FakeWooStore()) as store:
        dev = Settings(env="development", app_url=live).flask_config(app.instance_path)
        app.config.update({k: dev[k] for k in COOKIE_KEYS})
        # The store (WP admin) lives on http://localhost, another site than the app's 127.0.0.1.
        store.base_url = store.base_url.replace("127.0.0.1", "localhost")
        try:
            connect(client, store)
            run_jobs()
            store.admin_panel_src = _plugin_link(client, live)
            with sync_api.sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page()
                    page.goto(f"{store.base_url}/wp-admin/admin.php?page=ecomapp")
                    frame = page.frame_locator("#ecomapp-panel")
                    sync_api.expect(frame.locator('[data-testid="store-name"]')).to_be_visible()
                    frame.locator("nav").get_by_text("Settings").click()
                    sync_api.expect(frame.locator("h1")).to_have_text("Store settings")
                finally:
                    browser.close()
        finally:
            app.config.update(saved)
