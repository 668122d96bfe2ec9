"""The Collections panel in headless Chromium: create with a field error, refresh, see members."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import expect

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from tests.browser import chromium_page, serve


@pytest.mark.browser
def test_collections_page_creates_refreshes_and_shows_members_in_chromium(app: Flask) -> None:
    """Given the demo store, when a collection is made in the browser, then members show."""
    seed_demo(SeedSize(customers=60, products=40, days=60, seed=4))
    db.session.commit()
    with serve(app) as base, chromium_page() as page:
        page.goto(base + "/")
        page.click("nav >> text=Collections")
        page.wait_for_url("**/collections/")
        assert "No smart collections yet." in page.inner_text('[data-testid="collections"]')
        page.click('[data-testid="new-collection"]')
        page.fill("#title", "Top rated jackets")
        page.select_option("#kind", "top_rated")
        page.select_option("#scope_kind", "type")
        page.fill("#scope_value", "Jackets")
        page.fill("#size_limit", "500")
        page.click('[data-testid="save-collection"]')
        error = page.locator('[data-error-for="size_limit"]')
        assert "size_limit" in error.inner_text()
        assert page.get_attribute("#size_limit", "aria-invalid") == "true"
        page.fill("#size_limit", "3")
        page.click('[data-testid="save-collection"]')
        page.wait_for_url("**/collections/")
        drain(app)  # the worker refreshes it
        page.reload()
        row = page.locator("[data-collection]").first
        assert row.locator("[data-members]").inner_text() == "3 / 3"
        assert "Added:" in row.locator("[data-changed]").inner_text()
        page.click("text=Top rated jackets")
        members = page.locator('[data-testid="members"] li')
        expect(members).to_have_count(3)  # waits for the page the click opens
        page.click('[data-testid="save-collection"]')
        page.wait_for_url("**/collections/")
        drain(app)
        page.click('[data-testid^="refresh-"]')
        page.wait_for_url("**/collections/")
        drain(app)
        page.reload()
        assert "Nothing changed" in page.locator("[data-changed]").first.inner_text()
