"""The storefront's "customers also bought" block: through the app proxy and the plugin."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient

from ecomapp.mirror.records import LineRecord
from ecomapp.models import Store, utcnow
from ecomapp.recommendations.training import start_run, train_run
from tests.factories import customer_record, make_order, make_product, make_store
from tests.storefront_support import plugin_post, proxy_query, woo_store_with_plugin

# platform id -> (title, stock, status); the jacket (1) sells with 2, 3, 4 and 5
CATALOG = {
    "1": ("Rain Shell", 10, "active"),
    "2": ("Wool Beanie", 10, "active"),
    "3": ("Merino Socks", 0, "active"),
    "4": ("Trekking Poles", 10, "active"),
    "5": ("Water Bottle", 10, "draft"),
}


def _line(pid: str) -> LineRecord:
    return LineRecord(
        platform_id=None, title=CATALOG[pid][0], quantity=1, price=Decimal("20.00"),
        product_platform_id=pid,
    )  # fmt: skip


def _trained(store: Store) -> None:
    for pid, (title, stock, status) in CATALOG.items():
        make_product(store, platform_id=pid, title=title, stock=stock, status=status)
    placed = utcnow() - timedelta(days=10)
    for partner in ["2", "3", "4", "5"] * 3:
        make_order(store, lines=[_line("1"), _line(partner)], placed_at=placed)
    shopper = customer_record(platform_id="77")
    make_order(store, customer=shopper, lines=[_line("2")], placed_at=placed)
    run = start_run(store, "cli")
    train_run(run.id)


def test_app_proxy_block_lists_related_products_the_shopper_has_not_bought(
    app: Flask, client: FlaskClient
) -> None:
    """Given a trained shop, when a signed-in shopper opens the jacket, then the block shows
    the poles only: the beanie was bought, the socks are out of stock, the bottle is a draft."""
    store = make_store("shopify", domain="also-shop.myshopify.com")
    _trained(store)
    query = proxy_query(store.domain, {"logged_in_customer_id": "77", "product": "1"})
    response = client.get(f"/storefront/also-bought?{query}")
    assert response.status_code == 200
    assert [p["title"] for p in response.json["products"]] == ["Trekking Poles"]
    assert response.json["products"][0]["price_text"] == "$20.00"
    anonymous = client.get(f"/storefront/also-bought?{proxy_query(store.domain, {'product': '1'})}")
    assert {p["id"] for p in anonymous.json["products"]} == {"2", "4"}


def test_plugin_block_and_refusals(app: Flask, client: FlaskClient) -> None:
    """Given a WooCommerce store, the signed plugin gets the block; forged is 401; no product
    or a bad limit is 400 naming the field."""
    store = woo_store_with_plugin()
    _trained(store)
    response = plugin_post(client, store, "also-bought", {"product": "1", "limit": 1})
    assert response.status_code == 200 and len(response.json["products"]) == 1
    assert client.get("/storefront/also-bought?product=1").status_code == 401
    missing = plugin_post(client, store, "also-bought", {"limit": 2})
    assert missing.status_code == 400 and "product" in missing.get_data(as_text=True)
    too_many = plugin_post(client, store, "also-bought", {"product": "1", "limit": 99})
    assert too_many.status_code == 400 and "limit" in too_many.get_data(as_text=True)
