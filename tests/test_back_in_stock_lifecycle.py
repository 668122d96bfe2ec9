"""Requests lapse after N days (panel setting); the demo's restock button runs the recipe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.inventory.back_in_stock import waiting_counts
from ecomapp.mirror.records import InventoryRecord
from ecomapp.models import Automation, BackInStockRequest, Store
from tests.automation_support import deliver, login, make_automation, messages, run_at
from tests.factories import make_product
from tests.storefront_support import plugin_post, woo_store_with_plugin

ASKED = datetime(2026, 4, 1, 12, tzinfo=UTC)


def _ask(client: FlaskClient, store: Store, variant: str, email: str) -> None:
    body = {"variant_id": variant, "email": email, "consent": True, "consent_text": "Tell me"}
    assert plugin_post(client, store, "back-in-stock", body).status_code == 201


def test_an_expired_request_is_not_notified_and_leaves_the_count(
    app: Flask, client: FlaskClient, time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a store whose requests lapse after 10 days, one request made on day 0 and one on
    day 5, when 5 units come back on day 11, then only the day-5 shopper is mailed and the
    day-0 request is marked expired by the periodic job."""
    time_machine.move_to(ASKED, tick=False)
    store = woo_store_with_plugin(settings={"back_in_stock_expiry_days": 10})
    variant = make_product(store, stock=0).variants[0]
    make_automation(store, build_recipe("back_in_stock", {})[1])
    _ask(client, store, variant.platform_id, "old@example.com")
    time_machine.move_to(ASKED + timedelta(days=5), tick=False)
    _ask(client, store, variant.platform_id, "new@example.com")
    assert waiting_counts(store.id, [variant.id]) == {variant.id: 2}
    later = ASKED + timedelta(days=11)
    time_machine.move_to(later, tick=False)
    assert waiting_counts(store.id, [variant.id]) == {variant.id: 1}
    record = InventoryRecord(5, variant_platform_id=variant.platform_id, updated_at=later)
    deliver(store, "inventory", record)
    run_at(app, later)
    run_at(app, later + timedelta(hours=2))
    assert [m.to_email for m in messages(store, "back_in_stock")] == ["new@example.com"]
    rows = db.session.execute(
        select(BackInStockRequest.email, BackInStockRequest.status).order_by(BackInStockRequest.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("old@example.com", "expired"),
        ("new@example.com", "notified"),
    ]


def test_panel_saves_the_expiry_and_names_a_bad_value(client: FlaskClient) -> None:
    """Given the Back in stock page, when 30 is saved then the store keeps 30; 0 is refused 422."""
    store = woo_store_with_plugin()
    token = login(client, store)
    saved = client.post("/back-in-stock/", data={"expiry_days": "30", "csrf_token": token})
    assert saved.status_code == 302
    assert db.session.get(Store, store.id).settings["back_in_stock_expiry_days"] == 30
    bad = client.post("/back-in-stock/", data={"expiry_days": "0", "csrf_token": token})
    assert bad.status_code == 422 and "expiry_days" in bad.get_data(as_text=True)


def test_demo_restock_button_runs_the_recipe_from_the_panel(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given the demo seed (sold-out variants with waiting shoppers), when the merchant adds the
    Back-in-stock recipe in the panel, switches it on and presses 'restock' (3 units), then the
    three oldest shoppers waiting for that variant get the mail, and the rest still wait."""
    result = seed_demo(SeedSize(customers=60, products=12, days=30, open_carts=0, seed=5))
    page = client.get("/try/").get_data(as_text=True)
    token = page.split('"X-CSRF-Token": "')[1].split('"')[0]
    csrf = {"X-CSRF-Token": token}
    assert client.post("/automations/recipes/back_in_stock", headers=csrf).status_code == 303
    automation_id = db.session.scalar(select(Automation.id))
    assert client.post(f"/automations/{automation_id}/toggle", headers=csrf).status_code == 200
    reply = client.post("/try/restock", headers=csrf | {"HX-Request": "true"})
    assert "Delivered" in reply.get_data(as_text=True)
    run_jobs()
    run_jobs()
    store = db.session.get(Store, result.store_id)
    variant_id = db.session.scalar(
        select(BackInStockRequest.variant_id).where(BackInStockRequest.status == "notified")
    )
    waited = db.session.scalars(
        select(BackInStockRequest.email)
        .where(BackInStockRequest.variant_id == variant_id)
        .order_by(BackInStockRequest.id)
    ).all()
    mailed = [m.to_email for m in messages(store, "back_in_stock")]
    assert sorted(mailed) == sorted(waited[:3]) and len(mailed) == min(3, len(waited))
