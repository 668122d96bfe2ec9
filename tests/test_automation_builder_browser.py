"""The builder in headless Chromium: a nested group, an exit condition and an if/else, built
without JSON, saved, switched on and run by the demo's 'Try it' door."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask

from ecomapp.admin.auth import login_token
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import start_background
from ecomapp.models import Automation, Store
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium, serve
from tests.factories import make_store


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app on a loopback port with an in-process worker; yield its base URL."""
    stop = start_background(app, interval=0.2)
    with serve(app) as base:
        yield base
    stop.set()


def _settled(page: object) -> None:
    """Wait until htmx has swapped and wired up new content (it does so after a settle delay)."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function(f"() => !document.querySelector('{busy}')")  # type: ignore[attr-defined]


def _condition(row: object, field: str, op: str, value: str) -> None:
    """Fill one condition row's field, operator and value (each pick re-renders the operand)."""
    page = row.page  # type: ignore[attr-defined]
    row.locator("select[name$=_field]").select_option(field)  # type: ignore[attr-defined]
    _settled(page)
    row.locator("select[name$=_op]").select_option(op)  # type: ignore[attr-defined]
    _settled(page)
    row.locator("input[name$=_value]").fill(value)  # type: ignore[attr-defined]


def _action(page: object, row: object, action: str, param: str, value: str) -> None:
    """Pick a step row's action, then fill its one typed input."""
    row.get_by_test_id("step-action").select_option(action)  # type: ignore[attr-defined]
    _settled(page)
    row.locator(f"[name$=_{param}]").fill(value)  # type: ignore[attr-defined]


def _build(page: object) -> None:
    """Build the automation through the rows: nested group, exit condition, if/else."""
    page.locator("input[name=name]").fill("Branchy")  # type: ignore[attr-defined]
    page.get_by_test_id("add-cond-group").first.click()  # type: ignore[attr-defined]
    _settled(page)
    group = page.get_by_test_id("cond-group")  # type: ignore[attr-defined]
    group.get_by_test_id("group-mode").select_option("any")
    _condition(group.get_by_test_id("cond-row").nth(0), "order.total_price", ">=", "1")
    group.get_by_test_id("add-cond-condition").click()
    _settled(page)
    _condition(group.get_by_test_id("cond-row").nth(1), "order.gateway", "=", "nothing")
    page.get_by_test_id("add-exit-condition").click()  # type: ignore[attr-defined]
    _settled(page)
    exits = page.get_by_test_id("section-exit")  # type: ignore[attr-defined]
    _condition(exits.get_by_test_id("cond-row"), "order.cancelled", "=", "true")
    page.get_by_test_id("add-branch-steps").click()  # type: ignore[attr-defined]
    _settled(page)
    branch = page.get_by_test_id("branch-step")  # type: ignore[attr-defined]
    _condition(branch.get_by_test_id("cond-row"), "order.total_price", ">", "0")
    branch.locator("[data-testid^=add-action-then-]").click()
    _settled(page)
    _action(
        page, branch.locator("[id^=then-] [data-testid=step-row]"), "tag_order", "tags", "took-then"
    )
    branch.locator("[data-testid^=add-action-else-]").click()
    _settled(page)
    _action(
        page, branch.locator("[id^=else-] [data-testid=step-row]"), "order_note", "note", "else"
    )


def _wait_for_run(page: object, url: str) -> object:
    """Reload the automation's page until the demo order's run is listed as done."""
    deadline = time.monotonic() + 30
    while True:
        page.goto(url)  # type: ignore[attr-defined]
        row = page.locator(".run-row", has_text="order #T").filter(has_text="done")  # type: ignore[attr-defined]
        if row.count() or time.monotonic() > deadline:
            return row.first
        time.sleep(0.5)


@pytest.mark.browser
def test_merchant_builds_a_branching_automation_without_json_and_it_runs(
    app: Flask, live_server: str
) -> None:
    """Given the demo store, when the merchant builds an automation with a nested any-group, an
    exit condition and an if/else (never touching JSON), saves it, switches it on and sends an
    order from 'Try it', then the run took the then path and tagged the order."""
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    seed_demo(SeedSize(customers=12, products=4, days=10, open_carts=0))
    store = db.session.scalar(db.select(Store))
    db.session.commit()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server}/login/{login_token(store)}")
        page.goto(f"{live_server}/automations/new")
        assert page.locator("textarea").count() == 0
        _build(page)
        page.locator("input[name$=_value]").last.dispatch_event("change")
        expect(page.get_by_test_id("errors")).to_contain_text("Valid.")
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("saved")).to_be_visible()
        automation_url = page.url.split("?")[0]
        page.goto(f"{live_server}/automations/")
        page.locator("[data-testid^=toggle-]").first.click()
        expect(page.locator("[data-testid^=toggle-]").first).to_have_text("On")
        page.goto(f"{live_server}/try/")
        page.get_by_test_id("try-order").click()
        expect(page.locator("#caused")).to_contain_text("Delivered")
        run = _wait_for_run(page, automation_url)
        expect(run).to_be_visible()
        run.locator("a").click()  # type: ignore[attr-defined]
        expect(page.get_by_test_id("run-status")).to_have_text("done")
        expect(page.get_by_test_id("step-0-branch")).to_contain_text("then")
        expect(page.locator("body")).to_contain_text("tag_order")
        expect(page.locator("body")).not_to_contain_text("order_note")
        browser.close()
    db.session.expire_all()
    definition = db.session.scalar(db.select(Automation)).definition
    assert definition["conditions"]["all"][0]["any"][1]["value"] == "nothing"
    assert definition["exit_conditions"] == {
        "all": [{"field": "order.cancelled", "op": "=", "value": True}]
    }
    branch = definition["steps"][0]
    assert branch["then"][0]["params"] == {"tags": ["took-then"]}
    assert branch["else"][0]["params"] == {"note": "else"}


def _pick(page: object, row: object, name: str, choice: str) -> None:
    """Pick an option of the row's select whose name starts with `name`, then let htmx swap."""
    row.locator(f"select[name^={name}]").select_option(choice)  # type: ignore[attr-defined]
    _settled(page)


@pytest.fixture
def page_server(app: Flask) -> Iterator[str]:
    """Serve the app on a loopback port (no worker: nothing runs); yield its base URL."""
    with serve(app) as base:
        yield base


@pytest.mark.browser
def test_merchant_builds_changed_and_field_to_field_conditions_without_json(
    app: Flask, page_server: str
) -> None:
    """Given the builder, when the merchant makes "total spent changed to >= 100" and "order
    total > total spent" through the rows' pickers and saves, then both are stored as such."""
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    store = make_store()
    db.session.commit()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{page_server}/login/{login_token(store)}")
        page.goto(f"{page_server}/automations/new")
        page.locator("input[name=name]").fill("Big spenders")
        rows = page.get_by_test_id("section-cond").get_by_test_id("cond-row")
        for _ in range(2):
            page.get_by_test_id("add-cond-condition").first.click()
            _settled(page)
        spent, total = rows.nth(0), rows.nth(1)
        _pick(page, spent, "cond_field", "customer.total_spent")
        _pick(page, spent, "cond_op", "changed")
        _pick(page, spent, "cond_to_op_", ">=")
        spent.locator("input[name^=cond_to_value_]").fill("100")
        _pick(page, total, "cond_cmp_", "field")
        _pick(page, total, "cond_ref_", "customer.total_spent")
        assert page.locator("textarea").count() == 0
        page.get_by_test_id("add-action-steps").click()
        _settled(page)
        step = page.get_by_test_id("step-row")
        _pick(page, step, "step_action_", "tag_order")
        step.locator("[name$=_tags]").fill("big")
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("saved")).to_be_visible()
        browser.close()
    db.session.expire_all()
    definition = db.session.scalar(db.select(Automation)).definition
    assert definition["conditions"] == {
        "all": [
            {"field": "customer.total_spent", "op": "changed", "to": {"op": ">=", "value": 100}},
            {"field": "order.total_price", "op": ">", "ref": "customer.total_spent"},
        ]
    }
