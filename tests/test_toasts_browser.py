"""Saved and failed actions show a toast (ours standalone, Shopify's inside the admin)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.browser import chromium_page, serve
from tests.factories import make_store


@pytest.mark.browser
def test_saving_settings_shows_a_toast_and_a_refusal_an_error_toast(app: Flask) -> None:
    """Given the standalone panel (no network), when settings are saved, then a toast says so."""
    make_store(domain="demo.example.com", platform="demo")
    with serve(app) as base, chromium_page() as page:
        page.goto(base + "/settings")
        page.click("form.settings button[type=submit] >> nth=0")
        page.wait_for_selector("#toast:not([hidden])")
        assert page.locator("#toast").inner_text() == "Saved."
        assert "error" not in (page.locator("#toast").get_attribute("class") or "")
        page.fill("#alert_recipients", "not an address")
        page.click("form.settings button[type=submit] >> nth=0")
        page.wait_for_selector("#toast.error:not([hidden])")
        assert "Nothing was saved" in page.locator("#toast").inner_text()
