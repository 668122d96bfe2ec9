"""Stock per location: signed inventory_levels/update deliveries sum into the variant's stock."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.models import Event, InventoryLevel, Message, Store, Variant
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.shopify.support import deliver, installed, session_token

SHOP = "stock-shop.myshopify.com"
OTHER = "other-stock.myshopify.com"
ITEM = 271878346596884015
WAREHOUSE, STOREFRONT, POPUP = 24826418, 31415926, 27182818


def _stock(client: FlaskClient, shop: str, run_jobs: Callable[[], None]) -> None:
    """Install a shop and create its sample product, the first variant tracked as ITEM."""
    product = fixture("products_create.json")
    product["variants"][0]["inventory_item_id"] = ITEM
    deliver(client, "products/create", json.dumps(product).encode(), shop)
    run_jobs()


def _level(
    client: FlaskClient, shop: str, location: int, available: int, at: str = "10:00"
) -> None:
    """Deliver a signed inventory_levels/update for ITEM at a location, stamped 2026-03-01 at."""
    body = fixture("inventory_levels_update.json") | {
        "location_id": location,
        "available": available,
        "updated_at": f"2026-03-01T{at}:00-05:00",
        "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{location}?inventory_item_id={ITEM}",
    }
    reply = deliver(client, "inventory_levels/update", json.dumps(body).encode(), shop)
    assert reply.status_code == 200


def _variant(store: Store) -> Variant:
    return db.session.scalar(
        select(Variant).where(Variant.store_id == store.id, Variant.inventory_item_id == str(ITEM))
    )


def _changes(store: Store) -> list[dict[str, Any]]:
    stmt = select(Event.data).where(Event.store_id == store.id, Event.type == "inventory.changed")
    return list(db.session.scalars(stmt.order_by(Event.id)))


def test_two_locations_sum_into_the_variant_stock(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a tracked variant, when two locations report 10 and 5, then its stock is 15 and
    each location keeps its own level."""
    store = installed(fake, SHOP)
    _stock(client, SHOP, run_jobs)
    _level(client, SHOP, WAREHOUSE, 10)
    _level(client, SHOP, STOREFRONT, 5)
    run_jobs()
    variant = _variant(store)
    levels = db.session.execute(
        select(InventoryLevel.location_id, InventoryLevel.available)
        .where(InventoryLevel.store_id == store.id, InventoryLevel.variant_id == variant.id)
        .order_by(InventoryLevel.location_id)
    ).all()
    assert variant.inventory_quantity == 15
    assert [tuple(row) for row in levels] == [(str(WAREHOUSE), 10), (str(STOREFRONT), 5)]


def test_an_older_level_arriving_late_is_ignored(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given the warehouse at 10 (11:00) and the storefront at 5, when a warehouse level of 2
    stamped 09:00 arrives afterwards, then the warehouse stays 10, the stock 15, no event."""
    store = installed(fake, SHOP)
    _stock(client, SHOP, run_jobs)
    _level(client, SHOP, WAREHOUSE, 10, at="11:00")
    _level(client, SHOP, STOREFRONT, 5)
    run_jobs()
    before = _changes(store)
    _level(client, SHOP, WAREHOUSE, 2, at="09:00")
    run_jobs()
    level = db.session.scalar(
        select(InventoryLevel).where(InventoryLevel.location_id == str(WAREHOUSE))
    )
    assert level.available == 10 and _variant(store).inventory_quantity == 15
    assert _changes(store) == before


def test_one_location_crossing_the_threshold_emits_one_summed_change(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a threshold of 5 and locations at 4 and 4, when the warehouse drops to 0, then
    exactly one inventory.changed says 8 → 4 with threshold 5."""
    store = installed(fake, SHOP)
    _stock(client, SHOP, run_jobs)
    _variant(store).low_stock_threshold = 5
    db.session.commit()
    _level(client, SHOP, WAREHOUSE, 4)
    _level(client, SHOP, STOREFRONT, 4)
    run_jobs()
    before = len(_changes(store))
    _level(client, SHOP, WAREHOUSE, 0, at="12:00")
    run_jobs()
    new = _changes(store)[before:]
    assert [(e["previous"], e["available"], e["threshold"]) for e in new] == [(8, 4, 5)]
    assert new[0]["variant_id"] == _variant(store).id


def test_a_location_report_that_leaves_the_total_unchanged_emits_nothing(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given locations at 4 and 4, when a new location reports 0 and the warehouse reports
    its same 4 again later, then the stock stays 8 and no inventory.changed is added."""
    store = installed(fake, SHOP)
    _stock(client, SHOP, run_jobs)
    _level(client, SHOP, WAREHOUSE, 4)
    _level(client, SHOP, STOREFRONT, 4)
    run_jobs()
    before = _changes(store)
    _level(client, SHOP, POPUP, 0, at="12:00")
    _level(client, SHOP, WAREHOUSE, 4, at="13:00")
    run_jobs()
    count = db.session.scalar(select(func.count()).select_from(InventoryLevel))
    assert _variant(store).inventory_quantity == 8 and count == 3
    assert _changes(store) == before


def test_product_totals_do_not_override_location_levels(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given locations at 10 and 5, when a newer products/update says the variant has 40, then
    the stock stays the locations' sum (15) and no inventory.changed is added."""
    store = installed(fake, SHOP)
    _stock(client, SHOP, run_jobs)
    _level(client, SHOP, WAREHOUSE, 10)
    _level(client, SHOP, STOREFRONT, 5)
    run_jobs()
    before = _changes(store)
    update = fixture("products_update.json") | {"updated_at": "2026-03-02T10:00:00-05:00"}
    update["variants"][0] |= {"inventory_item_id": ITEM, "inventory_quantity": 40}
    deliver(client, "products/update", json.dumps(update).encode(), SHOP)
    run_jobs()
    assert _variant(store).inventory_quantity == 15 and _changes(store) == before


def _switch_on_low_stock(client: FlaskClient) -> None:
    headers = {"Authorization": f"Bearer {session_token(SHOP)}"}
    reply = client.post("/automations/recipes/low_stock", headers=headers)
    assert reply.status_code == 303, reply.get_data(as_text=True)
    automation_path = reply.headers["Location"].rstrip("/")
    toggled = client.post(f"{automation_path}/toggle", headers=headers)
    assert toggled.status_code == 200 and ">On<" in toggled.get_data(as_text=True)


def test_low_stock_recipe_alerts_once_when_the_sum_crosses(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given the low-stock recipe switched on in the embedded panel and the store's default
    threshold of 5 (Shopify variants have none of their own), when
    the warehouse reports 20 and the storefront 3 (sum 23: no alert), then the warehouse 1
    (sum 4) and the storefront 2 (sum 3), then the merchant gets one alert, 'down to 4'."""
    store = installed(fake, SHOP)
    _stock(client, SHOP, run_jobs)
    _switch_on_low_stock(client)
    assert _variant(store).low_stock_threshold is None
    _level(client, SHOP, WAREHOUSE, 20)
    _level(client, SHOP, STOREFRONT, 3)
    run_jobs()
    _level(client, SHOP, WAREHOUSE, 1, at="11:00")
    run_jobs()
    _level(client, SHOP, STOREFRONT, 2, at="12:00")
    run_jobs()
    alerts = list(
        db.session.scalars(
            select(Message).where(
                Message.store_id == store.id, Message.template_key == "merchant_alert"
            )
        )
    )
    assert len(alerts) == 1 and "is down to 4" in alerts[0].html
    assert "(threshold 5)" in alerts[0].html


def test_same_location_id_in_two_shops_stays_apart(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given two shops with the same product and location ids, when each reports its own
    level, then each variant holds its own shop's stock and level."""
    store, other = installed(fake, SHOP), installed(fake, OTHER)
    _stock(client, SHOP, run_jobs)
    _stock(client, OTHER, run_jobs)
    _level(client, SHOP, WAREHOUSE, 10)
    _level(client, OTHER, WAREHOUSE, 3)
    run_jobs()
    assert _variant(store).inventory_quantity == 10 and _variant(other).inventory_quantity == 3
    rows = db.session.execute(select(InventoryLevel.store_id, InventoryLevel.available)).all()
    assert sorted(tuple(r) for r in rows) == sorted([(store.id, 10), (other.id, 3)])


def test_a_disconnected_location_leaves_the_sum(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given locations at 10 and 5, when the storefront is disconnected from the item, then its
    level is gone, the stock is 10 and one inventory.changed says 15 → 10."""
    store = installed(fake, SHOP)
    _stock(client, SHOP, run_jobs)
    _level(client, SHOP, WAREHOUSE, 10)
    _level(client, SHOP, STOREFRONT, 5)
    run_jobs()
    before = len(_changes(store))
    body = {"inventory_item_id": ITEM, "location_id": STOREFRONT}
    deliver(client, "inventory_levels/disconnect", json.dumps(body).encode(), SHOP)
    run_jobs()
    locations = db.session.scalars(select(InventoryLevel.location_id))
    assert list(locations) == [str(WAREHOUSE)] and _variant(store).inventory_quantity == 10
    assert [(e["previous"], e["available"]) for e in _changes(store)[before:]] == [(15, 10)]
