"""Low stock and sold-out visibility on WooCommerce: product tags by term id, catalog
visibility through products/batch (at most 100 items), exemptions and Undo from the panel."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.models import Message, Product, Store, VisibilityChange
from ecomapp.platforms.woocommerce.client import MAX_TRIES
from tests.automation_support import login, make_automation
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SOLD_OUT = range(60, 162)  # 102 products: 101 to hide, more than one batch of 100


@pytest.fixture
def fake(
    app: Flask,
    client: FlaskClient,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> Iterator[FakeWooStore]:
    """Return a connected store: 41 in stock, 42 at 6 (threshold 5), 102 sold out."""
    time_machine.move_to(NOW, tick=False)
    # The engine caches compiled automations by (store id, id, version, created_at); with the
    # clock frozen at NOW and SQLite reusing ids after the wipe, one test would get another's.
    app.extensions.pop("ecomapp_compiled_automations", None)
    with woo_settings(app), running(FakeWooStore()) as store:
        store.add("products", wc.product(41), wc.product(42, stock=6))
        store.add("products", *(wc.product(i, name=f"Mug {i}", stock=0) for i in SOLD_OUT))
        connect(client, store)
        run_jobs()
        yield store


def _store() -> Store:
    return db.session.scalar(select(Store))


def _product(platform_id: int) -> Product:
    return db.session.scalar(select(Product).where(Product.platform_id == str(platform_id)))


def _ticks(run_jobs: Callable[[], None]) -> None:
    """Tick until the schedule has fired and run: periodic work, its event, the engine."""
    for _ in range(3):
        run_jobs()


def _stock_update(
    client: FlaskClient, fake: FakeWooStore, product_id: int, stock: int, day: int
) -> None:
    """Change a product's stock at the store and deliver product.updated as WooCommerce does."""
    modified = datetime(2026, 11, day, 10, 0, tzinfo=UTC)
    payload = wc.product(product_id, stock=stock, modified=modified)
    payload["tags"] = fake.products[product_id]["tags"]
    payload["catalog_visibility"] = fake.products[product_id]["catalog_visibility"]
    fake.products[product_id] = payload
    assert deliver(client, hook_for(fake, "product.updated"), payload).status_code == 200


def test_low_stock_tags_the_product_by_term_id_and_restock_removes_it(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given the recipe, when product 42 drops from 6 to 2 (threshold 5), then a low-stock
    product tag is created and set on it by id, each alert recipient gets the alert, and a restock
    to 30 removes the tag."""
    make_automation(_store(), build_recipe("low_stock_demand", {})[1])
    _stock_update(client, fake, 42, 2, day=21)
    run_jobs()
    (term,) = fake.product_tags.values()
    assert term["name"] == "low-stock"
    assert fake.products[42]["tags"] == [
        {"id": term["id"], "name": "low-stock", "slug": "low-stock"}
    ]
    alerts = db.session.scalars(select(Message).where(Message.template_key == "low_stock_demand"))
    sent = sorted((m.to_email, m.context["items"][0]["stock"]) for m in alerts)
    assert sent == [("buyer@shop.example.com", 2), ("stock@shop.example.com", 2)]

    _stock_update(client, fake, 42, 30, day=22)
    run_jobs()
    assert fake.products[42]["tags"] == []


def test_sold_out_products_hidden_in_batches_of_100_shown_on_restock_exempt_untouched(
    client: FlaskClient,
    fake: FakeWooStore,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    """Given 102 sold-out products (one exempted from the panel) and hiding after 3 days,
    then after 3 days the 101 others are hidden in two products/batch calls (100 + 1), the
    exempt one and the in-stock one stay visible, and a restock shows its product again;
    once the merchant undoes that show, a further restock leaves it hidden."""
    make_automation(_store(), build_recipe("hide_sold_out", {"after_days": "3"})[1])
    csrf = login(client, _store())
    exempt = _product(60)
    reply = client.post(
        f"/stock/products/{exempt.id}/exempt", data={"exempt": "1"}, headers={"X-CSRF-Token": csrf}
    )
    assert reply.status_code == 200
    run_jobs()
    time_machine.move_to(NOW + timedelta(days=3, hours=1), tick=False)
    _ticks(run_jobs)

    hidden = {i for i, p in fake.products.items() if p["catalog_visibility"] == "hidden"}
    assert hidden == set(SOLD_OUT) - {60}
    batches = [q for m, path, q in fake.requests if path.endswith("/products/batch")]
    assert len(batches) == 2 and fake.products[41]["catalog_visibility"] == "visible"

    _stock_update(client, fake, 61, 5, day=24)
    run_jobs()
    assert fake.products[61]["catalog_visibility"] == "visible"
    shown = db.session.scalar(select(VisibilityChange).where(VisibilityChange.action == "show"))
    assert (shown.product_id, shown.reason) == (_product(61).id, "restock")

    undo = client.post(f"/stock/changes/{shown.id}/undo", headers={"X-CSRF-Token": csrf})
    assert undo.status_code == 200 and fake.products[61]["catalog_visibility"] == "hidden"
    _stock_update(client, fake, 61, 9, day=25)
    run_jobs()
    assert fake.products[61]["catalog_visibility"] == "hidden"  # the merchant's choice holds


def test_undo_from_the_panel_shows_the_product_and_keeps_it_shown(
    client: FlaskClient,
    fake: FakeWooStore,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    """Given hidden sold-out products, when the merchant presses Undo on one change while the
    store is down, then the row says the undo failed; pressed again, the product is visible
    at the store, the change reads undone, and the next sweep leaves it."""
    make_automation(_store(), build_recipe("hide_sold_out", {"after_days": "3"})[1])
    run_jobs()
    time_machine.move_to(NOW + timedelta(days=3, hours=1), tick=False)
    _ticks(run_jobs)
    change = db.session.scalar(
        select(VisibilityChange).where(VisibilityChange.product_id == _product(70).id)
    )
    csrf = login(client, _store())
    fake.fail_next(*[503] * MAX_TRIES)  # the store is down: the undo is logged as failed
    down = client.post(f"/stock/changes/{change.id}/undo", headers={"X-CSRF-Token": csrf})
    assert down.status_code == 200 and "undo failed: " in down.get_data(as_text=True)
    assert fake.products[70]["catalog_visibility"] == "hidden"
    reply = client.post(f"/stock/changes/{change.id}/undo", headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 200 and "undone" in reply.get_data(as_text=True)
    assert fake.products[70]["catalog_visibility"] == "visible"
    again = client.post(f"/stock/changes/{change.id}/undo", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409

    time_machine.move_to(NOW + timedelta(days=4, hours=1), tick=False)
    _ticks(run_jobs)
    assert fake.products[70]["catalog_visibility"] == "visible"
    assert "Mug 70" in client.get("/stock/").get_data(as_text=True)
