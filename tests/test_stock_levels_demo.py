"""Low-stock digest in the store's time zone, and the stock recipes on the demo store from
the panel, with the Stock page's Undo in headless Chromium."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.inventory.visibility import hide_sold_out
from ecomapp.mirror.records import InventoryRecord
from ecomapp.models import (
    Automation,
    LowStockCrossing,
    Message,
    Product,
    Store,
    VisibilityChange,
    utcnow,
)
from tests.automation_support import deliver, login, make_automation
from tests.browser import chromium_page, serve
from tests.factories import make_product, make_store

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)  # 11:00 in Paris


@pytest.fixture(autouse=True)
def _fresh_compiled_automations(app: Flask) -> None:
    """Forget compiled automations: keyed by (store id, id, version, created_at), they would
    be shared by tests whose frozen clocks and reused SQLite ids give equal keys."""
    app.extensions.pop("ecomapp_compiled_automations", None)


def _ticks(run_jobs: Callable[[], None]) -> None:
    """Tick until periodic work, the events it emits and the engine have all run."""
    for _ in range(3):
        run_jobs()


def _digests(store: Store) -> list[Message]:
    stmt = select(Message).where(
        Message.store_id == store.id, Message.template_key == "low_stock_demand"
    )
    return list(db.session.scalars(stmt))


def test_daily_digest_waits_for_its_hour_in_the_store_time_zone(
    client: FlaskClient,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    """Given a digest at 08:00 in Paris, when two variants cross at 11:00, then no mail goes
    out that day nor at 07:50 the next morning (the Stock page lists them as waiting for it),
    and one digest naming both goes at 08:05."""
    time_machine.move_to(NOW, tick=False)
    settings = {"low_stock_digest_hour": 8, "alert_recipients": ["buyer@shop.example"]}
    store = make_store(timezone="Europe/Paris", settings=settings)
    products = [make_product(store, stock=9, threshold=5) for _ in range(2)]
    make_automation(store, build_recipe("low_stock_demand", {})[1])
    for product in products:
        record = InventoryRecord(2, variant_platform_id=product.variants[0].platform_id)
        deliver(store, "inventory", record)
    _ticks(run_jobs)
    assert _digests(store) == []
    assert all("low-stock" in db.session.get(Product, p.id).tags for p in products)
    login(client, store)
    page = client.get("/stock/").get_data(as_text=True)
    variant_id = products[0].variants[0].id
    row = page.split(f'data-testid="low-{variant_id}"')[1].split("</tr>")[0]
    assert "no recent sales" in row and "in the next digest" in row

    time_machine.move_to(datetime(2026, 3, 21, 6, 50, tzinfo=UTC), tick=False)
    _ticks(run_jobs)
    assert _digests(store) == []

    time_machine.move_to(datetime(2026, 3, 21, 7, 5, tzinfo=UTC), tick=False)
    _ticks(run_jobs)
    time_machine.move_to(datetime(2026, 3, 21, 9, 5, tzinfo=UTC), tick=False)
    _ticks(run_jobs)
    (digest,) = _digests(store)
    assert digest.idempotency_key == f"low-stock-digest:{store.id}:2026-03-21"
    assert [i["stock"] for i in digest.context["items"]] == [2, 2]
    assert digest.context["digest"] is True


def _use_recipe(client: FlaskClient, store: Store, key: str, **params: str) -> None:
    csrf = login(client, store)
    reply = client.post(f"/automations/recipes/{key}", data=params, headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 303, reply.get_data(as_text=True)
    automation = db.session.scalar(select(Automation).order_by(Automation.id.desc()))
    toggled = client.post(f"/automations/{automation.id}/toggle", headers={"X-CSRF-Token": csrf})
    assert toggled.status_code == 200


@pytest.mark.browser
def test_demo_hides_its_sold_out_product_and_undo_in_chromium_shows_it(
    app: Flask,
    client: FlaskClient,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    """Given the seeded demo store (a product sold out for 20 days) and "Hide sold-out
    products" after 14 days switched on from the panel, then the product is hidden and
    logged; pressing Undo on the Stock page in Chromium shows it again."""
    store = db.session.get(Store, seed_demo(SeedSize(customers=20, products=6, seed=4)).store_id)
    _use_recipe(client, store, "hide_sold_out", after_days="14")
    time_machine.move_to(utcnow() + timedelta(hours=1), tick=True)  # its next hourly slot
    _ticks(run_jobs)
    change = db.session.scalar(select(VisibilityChange))
    product = db.session.get(Product, change.product_id)
    assert (change.action, change.reason, product.status) == ("hide", "sold_out", "draft")

    with serve(app) as base, chromium_page() as page:
        page.goto(base + "/stock/")
        row = page.locator(f'[data-testid="change-{change.id}"]')
        assert product.title in row.inner_text()
        page.click(f'[data-testid="undo-{change.id}"]')
        page.wait_for_function(
            f"() => document.querySelector('[data-testid=\"change-{change.id}\"]')"
            ".innerText.includes('undone')"
        )
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "active"


def test_stock_page_refuses_bad_input_and_other_stores_rows(client: FlaskClient) -> None:
    """Given store A with a hidden product, then store B can neither undo nor exempt it (404),
    and A's malformed exemption or restock date is a 400 naming the field."""
    store_a, store_b = make_store(), make_store()
    hidden, planned = make_product(store_a, stock=0), make_product(store_a, stock=0)
    change = next(c for c in hide_sold_out(store_a, after_days=0) if c.product_id == hidden.id)
    db.session.commit()
    csrf = login(client, store_b)
    headers = {"X-CSRF-Token": csrf}
    assert client.post(f"/stock/changes/{change.id}/undo", headers=headers).status_code == 404
    reply = client.post(
        f"/stock/products/{hidden.id}/exempt", data={"exempt": "1"}, headers=headers
    )
    assert reply.status_code == 404

    headers = {"X-CSRF-Token": login(client, store_a)}
    reply = client.post(
        f"/stock/products/{hidden.id}/exempt", data={"exempt": "y"}, headers=headers
    )
    assert reply.status_code == 400 and "exempt: must be 1 or 0" in reply.get_data(as_text=True)
    url = f"/stock/products/{planned.id}/restock"
    reply = client.post(url, data={"restock_planned_on": "31/12"}, headers=headers)
    assert reply.status_code == 400 and "restock_planned_on" in reply.get_data(as_text=True)
    assert db.session.get(VisibilityChange, change.id).undone_at is None


def test_a_planned_restock_keeps_a_sold_out_product_listed(
    client: FlaskClient, time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a sold-out product whose restock is planned for the 25th, then the sweep leaves
    it listed until that date has passed, and hides it after."""
    time_machine.move_to(NOW, tick=False)
    store = make_store()
    product = make_product(store, stock=0)
    headers = {"X-CSRF-Token": login(client, store)}
    url = f"/stock/products/{product.id}/restock"
    assert (
        client.post(url, data={"restock_planned_on": "2026-03-25"}, headers=headers).status_code
        == 200
    )
    assert hide_sold_out(store, after_days=0) == []
    time_machine.move_to(datetime(2026, 3, 26, 10, tzinfo=UTC), tick=False)
    assert [c.action for c in hide_sold_out(store, after_days=0)] == ["hide"]


def test_low_stock_recipe_on_the_demo_store_from_the_panel(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given the seeded demo store and the recipe switched on from the panel, when the Try-it
    'stock' button drops a variant under its threshold, then its product carries low-stock
    and the owner gets the alert with that variant's figures."""
    store = db.session.get(Store, seed_demo(SeedSize(customers=30, products=6, seed=5)).store_id)
    _use_recipe(client, store, "low_stock_demand", tag="low-stock")
    headers = {"X-CSRF-Token": login(client, store)}
    assert client.post("/try/stock", headers=headers).status_code == 200
    _ticks(run_jobs)
    (alert,) = _digests(store)
    (item,) = alert.context["items"]
    crossing = db.session.scalar(select(LowStockCrossing))
    assert "low-stock" in db.session.get(Product, crossing.product_id).tags
    assert (alert.to_email, item["stock"]) == ("owner@demo.ecomapp.local", crossing.stock)
