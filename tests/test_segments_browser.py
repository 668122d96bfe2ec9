"""A segment built in the panel in headless Chromium, its size checked against hand-written SQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import start_background
from ecomapp.models import Store
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve
from tests.segments_support import hand_written


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app on a loopback port with an in-process worker; yield its base URL."""
    stop = start_background(app, interval=0.2)
    with serve(app) as base:
        yield base
    stop.set()


@pytest.mark.browser
def test_merchant_builds_a_segment_and_sees_its_members_and_why(
    app: Flask, live_server: str
) -> None:
    """Given the demo store, when the merchant builds 'repeat buyers from one country' in the
    builder (a wrong value first), then the saved segment's size is the hand-written query's
    count, its members are listed, and asking about a non-member shows the failing condition."""
    from playwright.sync_api import expect, sync_playwright

    seed_demo(SeedSize(customers=120, products=8, days=120, open_carts=0, seed=5))
    store = db.session.scalar(db.select(Store))
    assert store is not None
    country = db.session.execute(
        db.text(
            "SELECT country_code FROM customers WHERE orders_count >= 2"
            " GROUP BY country_code ORDER BY count(*) DESC, country_code LIMIT 1"
        )
    ).scalar_one()
    expected = hand_written(
        "SELECT id FROM customers WHERE store_id = :s AND orders_count >= 2"
        " AND lower(country_code) = lower(:c)",
        s=store.id,
        c=country,
    )
    assert expected
    outsider = db.session.execute(
        db.text("SELECT email FROM customers WHERE orders_count < 2 AND email IS NOT NULL LIMIT 1")
    ).scalar_one()
    db.session.commit()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server}/segments/")
        page.get_by_test_id("new-segment").click()
        page.get_by_test_id("segment-name").fill("Repeat buyers here")
        for _ in range(2):
            page.get_by_test_id("add-condition").click()
        expect(page.locator(".cond-row")).to_have_count(2)
        first, second = page.locator(".cond-row").nth(0), page.locator(".cond-row").nth(1)
        first.locator("select[name=cond_field]").select_option("customer.orders_count")
        first.locator("select[name=cond_op]").select_option(">=")
        first.locator("input[name=cond_value]").fill("two")
        first.locator("input[name=cond_value]").dispatch_event("change")
        expect(page.get_by_test_id("errors")).to_contain_text("conditions.all[0].value")
        first.locator("input[name=cond_value]").fill("2")
        second.locator("select[name=cond_field]").select_option("customer.country_code")
        second.locator("select[name=cond_op]").select_option("=")
        second.locator("input[name=cond_value]").fill(country.lower())
        second.locator("input[name=cond_value]").dispatch_event("change")
        expect(page.get_by_test_id("errors")).to_contain_text("Valid.")
        page.get_by_test_id("save").click()
        page.wait_for_url(re.compile(r".*/segments/\d+$"))  # the saved segment, not /new
        for _ in range(40):  # the in-process worker computes it; reload until it has
            if page.get_by_test_id("computing").count() == 0:
                break
            page.wait_for_timeout(250)
            page.reload()
        expect(page.get_by_test_id("segment-size")).to_have_text(f"{len(expected):,}")
        expect(page.get_by_test_id("members").locator("tbody tr")).to_have_count(
            min(len(expected), 50) or 1
        )
        expect(page.get_by_test_id("segment-trend")).to_be_visible()
        page.get_by_test_id("why-customer").fill(outsider)
        page.get_by_test_id("why-button").click()
        expect(page.get_by_test_id("why-verdict")).to_contain_text("is not in the segment")
        expect(page.locator("#why")).to_contain_text("customer.orders_count >=")
        browser.close()
