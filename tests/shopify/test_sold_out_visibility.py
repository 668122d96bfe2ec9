"""Sold-out visibility on Shopify: unpublished from the Online Store after N days sold out,
published again when a signed stock level brings stock back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.models import Product, ProductStockState, VisibilityChange
from tests.automation_support import make_automation
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.shopify.support import deliver, installed

SHOP = "sold-out.myshopify.com"
ITEM = 271878346596884015
WAREHOUSE = 24826418
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
ONLINE_STORE = "gid://shopify/Publication/2"


@pytest.fixture(autouse=True)
def _fresh_compiled_automations(app: Flask) -> None:
    """Forget compiled automations: keyed by (store id, id, version, created_at), they would
    be shared by tests whose frozen clocks and reused SQLite ids give equal keys."""
    app.extensions.pop("ecomapp_compiled_automations", None)


def _sold_out_product(client: FlaskClient, run_jobs: Callable[[], None]) -> Product:
    """Create the sample product with every variant at 0 (the first tracked as ITEM)."""
    body = fixture("products_create.json")
    for variant in body["variants"]:
        variant["inventory_quantity"] = 0
    body["variants"][0]["inventory_item_id"] = ITEM
    deliver(client, "products/create", json.dumps(body).encode(), SHOP)
    run_jobs()
    return db.session.scalar(select(Product))


def _restock(client: FlaskClient, available: int) -> None:
    body = fixture("inventory_levels_update.json") | {
        "inventory_item_id": ITEM,
        "location_id": WAREHOUSE,
        "available": available,
        "updated_at": "2026-03-24T10:00:00Z",
        "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{WAREHOUSE}?inventory_item_id={ITEM}",
    }
    reply = deliver(client, "inventory_levels/update", json.dumps(body).encode(), SHOP)
    assert reply.status_code == 200


def test_hidden_after_n_days_sold_out_and_shown_again_on_restock(
    client: FlaskClient,
    fake: FakeShopify,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    """Given "Hide sold-out products" after 3 days and a sold-out product, then it stays
    published for 3 days, is unpublished from the Online Store after, and a signed stock
    level of 4 publishes it again; both changes are logged."""
    time_machine.move_to(NOW, tick=False)
    store = installed(fake, SHOP)
    product = _sold_out_product(client, run_jobs)
    make_automation(store, build_recipe("hide_sold_out", {"after_days": "3"})[1])
    gid = f"gid://shopify/Product/{product.platform_id}"

    run_jobs()
    time_machine.move_to(NOW + timedelta(days=2, hours=23), tick=False)
    run_jobs()
    assert fake.unpublished == {}

    time_machine.move_to(NOW + timedelta(days=3, hours=1), tick=False)
    run_jobs()
    assert fake.unpublished == {gid: {ONLINE_STORE}}

    _restock(client, 4)
    run_jobs()
    assert fake.unpublished == {}
    changes = db.session.scalars(select(VisibilityChange).order_by(VisibilityChange.id)).all()
    assert [(c.action, c.reason, c.status) for c in changes] == [
        ("hide", "sold_out", "done"),
        ("show", "restock", "done"),
    ]
    published = [c for c in fake.calls if c.get("op") == "productsVisibility"]
    assert [c["query"].count("publishablePublish(") for c in published] == [0, 1]


def test_a_product_shopify_refuses_is_logged_failed_and_not_marked_hidden(
    client: FlaskClient,
    fake: FakeShopify,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    """Given a sold-out product Shopify answers userErrors for, then the change is logged as
    failed with Shopify's message, nothing is unpublished and the product is not hidden."""
    time_machine.move_to(NOW, tick=False)
    store = installed(fake, SHOP)
    product = _sold_out_product(client, run_jobs)
    fake.missing_products.add(f"gid://shopify/Product/{product.platform_id}")
    make_automation(store, build_recipe("hide_sold_out", {"after_days": "3"})[1])
    run_jobs()
    time_machine.move_to(NOW + timedelta(days=3, hours=1), tick=False)
    run_jobs()
    run_jobs()
    change = db.session.scalar(select(VisibilityChange))
    assert (change.status, change.error) == ("failed", "Resource does not exist")
    assert fake.unpublished == {}
    state = db.session.scalar(select(ProductStockState))
    assert state.hidden is False
