"""Low stock with demand: a signed stock level crossing the threshold tags the product at the
Shopify stand-in and mails the merchant the figures a hand computation gives."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.models import LowStockCrossing, Product, Store, Variant
from tests.automation_support import make_automation
from tests.factories import make_order, order_record
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail
from tests.shopify.support import deliver, installed

SHOP = "low-stock.myshopify.com"
ITEM = 271878346596884015
WAREHOUSE = 24826418
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_compiled_automations(app: Flask) -> None:
    """Forget compiled automations: keyed by (store id, id, version, created_at), they would
    be shared by tests whose frozen clocks and reused SQLite ids give equal keys."""
    app.extensions.pop("ecomapp_compiled_automations", None)


def _stocked(client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]) -> Variant:
    """Install the shop, create its sample product (first variant tracked as ITEM) at 10."""
    store = installed(fake, SHOP)
    store.settings = {
        "low_stock_threshold": 5,
        "low_stock_lead_days": 10,
        "low_stock_safety_days": 5,
        "alert_recipients": ["buyer@shop.example"],
    }
    db.session.commit()
    product = fixture("products_create.json")
    product["variants"][0]["inventory_item_id"] = ITEM
    deliver(client, "products/create", json.dumps(product).encode(), SHOP)
    run_jobs()
    _level(client, 10, "2026-03-19T08:00:00Z")
    run_jobs()
    return db.session.scalar(select(Variant).where(Variant.inventory_item_id == str(ITEM)))


def _level(client: FlaskClient, available: int, at: str) -> None:
    body = fixture("inventory_levels_update.json") | {
        "inventory_item_id": ITEM,
        "location_id": WAREHOUSE,
        "available": available,
        "updated_at": at,
        "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{WAREHOUSE}?inventory_item_id={ITEM}",
    }
    reply = deliver(client, "inventory_levels/update", json.dumps(body).encode(), SHOP)
    assert reply.status_code == 200


def _sale(store: Store, variant: Variant, quantity: int, days_ago: float, **fields: object) -> None:
    """Seed one order of `quantity` units of the variant, placed days_ago before NOW."""
    record = order_record(placed_at=NOW - timedelta(days=days_ago), **fields)
    line = record.lines[0]
    line.quantity, line.variant_platform_id = quantity, variant.platform_id
    line.product_platform_id = variant.product.platform_id
    make_order(store, **{k: getattr(record, k) for k in ("lines", "placed_at")} | fields)


def test_crossing_tags_the_product_and_mails_the_hand_computed_figures(
    client: FlaskClient,
    fake: FakeShopify,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    """Given 12 units sold in the last 30 days (4 + 5 + 3; a sale 31 days ago, a cancelled one
    and another variant's do not count), lead time 10 and safety 5 days, when a signed level
    takes the stock from 10 to 3 (threshold 5), then the product is tagged low-stock at the
    stand-in and one mail says 0.40 units/day, 7.5 days of cover, 0 waiting, reorder
    ceil(0.4 x 15) - 3 = 3."""
    time_machine.move_to(NOW, tick=False)
    with running_smtp() as server:
        variant = _stocked(client, fake, run_jobs)
        store = db.session.scalar(select(Store).where(Store.domain == SHOP))
        configure_mail(store, backend="smtp", smtp_url=server.url)
        for quantity, days_ago in ((4, 2), (5, 10), (3, 29), (50, 31)):
            _sale(store, variant, quantity, days_ago)
        _sale(store, variant, 20, 1, status="cancelled", cancelled_at=NOW - timedelta(days=1))
        other = next(v for v in variant.product.variants if v.id != variant.id)
        _sale(store, other, 7, 3)
        make_automation(store, build_recipe("low_stock_demand", {})[1])

        _level(client, 3, "2026-03-20T08:30:00Z")
        run_jobs()
        run_jobs()
        smtp.close_all()
        received = list(server.received)

    gid = f"gid://shopify/Product/{variant.product.platform_id}"
    assert fake.resource_tags[gid] == ["low-stock"]
    assert "low-stock" in db.session.get(Product, variant.product_id).tags
    assert len(received) == 1 and received[0].rcpt_tos == ["buyer@shop.example"]
    text = received[0].email.get_body(("plain",)).get_content()
    figures = re.search(
        r"3 in stock \(threshold 5\), (.*?) units/day.*?cover (.*?), (\d+) cust"
        r".*?reorder (\d+)",
        text,
        re.S,
    )
    assert figures and figures.groups() == ("0.40", "7.5 days", "0", "3"), text
    crossing = db.session.scalar(select(LowStockCrossing))
    assert crossing.alerted_at is not None and crossing.stock == 3
