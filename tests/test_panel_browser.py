"""The demo panel opens in a real browser and shows the store's counts and chart."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from ecomapp.models import Customer
from tests.browser import chromium_page, serve

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.mark.browser
def test_dashboard_in_chromium_shows_counts_and_search_filters_customers(app: Flask) -> None:
    """Given the demo store, when Chromium opens the panel, then counts and live search work."""
    seed_demo(SeedSize(customers=60, products=8, seed=2))
    db.session.commit()
    wanted = db.session.scalar(select(Customer.email).order_by(Customer.id.desc()))
    assert wanted is not None
    with serve(app) as base, chromium_page() as page:
        page.goto(base + "/")
        assert page.locator('[data-count="customers"]').inner_text() == "60"
        assert page.locator('[data-testid="orders-chart"] rect').count() >= 6
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        page.click("nav >> text=Customers")
        page.wait_for_url("**/customers")
        page.wait_for_selector("#rows tr")
        assert page.locator("#rows tr").count() == 50
        page.fill('input[name="q"]', wanted)
        page.wait_for_function("() => document.querySelectorAll('#rows tr').length === 1")
        assert wanted in page.locator("#rows").inner_text()


@pytest.mark.browser
def test_customers_list_pages_and_groups_apply_in_chromium(app: Flask) -> None:
    """Given 120 customers, when paging and regrouping, then page 2 shows and the run polls done."""
    seed_demo(SeedSize(customers=120, products=4, seed=3))
    db.session.commit()
    with serve(app) as base, chromium_page() as page:
        page.goto(base + "/customers")
        first = page.locator("#rows tr").first.inner_text()
        page.click('[data-testid="next-page"]')
        page.wait_for_url("**/customers?page=2")
        assert page.locator('[data-testid="pager-summary"]').inner_text().startswith("51")
        assert page.locator("#rows tr").first.inner_text() != first
        page.click("nav >> text=Groups")
        page.wait_for_url("**/groups/")
        page.fill("#ranges", "0-100 = bronze\n100- = silver")
        page.click("text=Apply to existing customers")
        row = page.locator('[data-testid="group-runs"] tbody tr').first
        assert row.get_attribute("data-status") == "queued"
        drain(app)  # the worker runs the job; the row's htmx poll shows the outcome
        page.wait_for_function(
            "() => document.querySelector('[data-testid=group-runs] tbody tr')"
            ".dataset.status === 'done'"
        )
        assert "120 / 120" in row.inner_text()
