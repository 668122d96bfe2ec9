"""The automations panel in headless Chromium: recipe → edit → backtest → switch on → run, and
the builder's typed step fields."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask

from ecomapp.admin.auth import login_token
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import start_background
from ecomapp.models import Automation, Store
from tests.automation_support import deliver
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve
from tests.factories import customer_record, make_store, order_record


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app on a loopback port with an in-process worker; yield its base URL."""
    stop = start_background(app, interval=0.2)
    with serve(app) as base:
        yield base
    stop.set()


@pytest.mark.browser
def test_merchant_builds_backtests_and_switches_on_an_automation(
    app: Flask, live_server: str
) -> None:
    """Given the demo store, when the merchant builds the VIP recipe, edits its condition,
    backtests it and switches it on, then an order event shows up as a done run."""
    from playwright.sync_api import expect, sync_playwright

    seed_demo(SeedSize(customers=40, products=8, days=90, open_carts=0))
    store = db.session.scalar(db.select(Store))
    db.session.commit()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server}/automations/recipes")
        card = page.get_by_test_id("recipe-first_order_vip")
        card.locator("input[name=min_total]").fill("100")
        card.get_by_role("button", name="Use this recipe").click()
        page.wait_for_url(re.compile(r".*/automations/\d+$"))  # not /automations/recipes
        value = page.locator(".cond-row").nth(1).locator("input[name=cond_value]")
        value.fill("not a number")
        value.dispatch_event("change")
        expect(page.get_by_test_id("errors")).to_contain_text("conditions.all[1].value")
        value.fill("150")
        value.dispatch_event("change")
        expect(page.get_by_test_id("errors")).to_contain_text("Valid.")
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("saved")).to_be_visible()
        page.get_by_test_id("backtest-days").fill("90")
        page.get_by_test_id("run-backtest").click()
        expect(page.get_by_test_id("backtest-summary")).to_contain_text("runs")
        page.goto(f"{live_server}/automations/")
        page.locator("[data-testid^=toggle-]").first.click()
        expect(page.locator("[data-testid^=toggle-]").first).to_have_text("On")
        buyer = customer_record(platform_id="browser-buyer", first_name="Grace")
        placed = datetime.now(UTC)
        deliver(
            store, "order", order_record(customer=buyer, total_price="300.00", placed_at=placed)
        )
        db.session.commit()
        page.goto(f"{live_server}/automations/runs")
        # The demo seed's guest orders may run too when the worker reaches them after the
        # switch-on (done, their add_to_group skipped: no customer); any done run shows the step.
        done = page.locator(".run-row", has_text="done").first
        expect(done).to_be_visible(timeout=20_000)
        done.locator("a").click()
        expect(page.get_by_test_id("run-status")).to_have_text("done")
        expect(page.locator("body")).to_contain_text("add_to_group")
        browser.close()


def _settled(page: object) -> None:
    """Wait until htmx has swapped and wired up new content (it does so after a settle delay)."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function(f"() => !document.querySelector('{busy}')")  # type: ignore[attr-defined]


@pytest.mark.browser
def test_merchant_fills_typed_step_fields_and_saves(app: Flask, live_server: str) -> None:
    """Given an empty builder, when the merchant picks actions and fills their typed fields
    (fixing the missing webhook URL it points at), then the saved automation shows them."""
    from playwright.sync_api import expect, sync_playwright

    store = make_store(name="Typed shop")
    db.session.commit()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server}/login/{login_token(store)}")
        page.goto(f"{live_server}/automations/new")
        page.locator("input[name=name]").fill("Typed VIP")
        add = page.get_by_role("button", name="Add action")
        add.click()
        first = page.get_by_test_id("step-row").nth(0)
        _settled(page)
        first.get_by_test_id("step-action").select_option("send_email")
        first.locator("select[name$=_template]").select_option("vip_welcome")
        first.locator("select[name$=_kind]").select_option("marketing")
        add.click()
        second = page.get_by_test_id("step-row").nth(1)
        _settled(page)
        second.get_by_test_id("step-action").select_option("notify_merchant")
        _settled(page)
        second.locator("select[name$=_channel]").select_option("webhook")
        second.locator("input[name$=_title]").fill("New VIP")
        second.locator("input[name$=_title]").dispatch_event("change")
        url = second.locator("input[name$=_url]")
        expect(page.get_by_test_id("errors")).to_contain_text("Step 2 · Webhook URL")
        expect(url).to_have_attribute("aria-invalid", "true")
        url.fill("https://hooks.example.test/vip")
        url.dispatch_event("change")
        expect(page.get_by_test_id("errors")).to_contain_text("Valid.")
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("saved")).to_be_visible()
        expect(page.locator("h1")).to_contain_text("Typed VIP")
        rows = page.get_by_test_id("step-row")
        expect(rows.nth(0).locator("select[name$=_template]")).to_have_value("vip_welcome")
        expect(rows.nth(1).locator("input[name$=_url]")).to_have_value(
            "https://hooks.example.test/vip"
        )
        browser.close()
    db.session.expire_all()
    automation = db.session.scalar(db.select(Automation))
    assert [s["params"] for s in automation.definition["steps"]] == [
        {"template": "vip_welcome", "kind": "marketing"},
        {"channel": "webhook", "title": "New VIP", "url": "https://hooks.example.test/vip"},
    ]
