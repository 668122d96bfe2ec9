"""Webhooks: signed deliveries of every topic land in the mirror once; bad ones leave nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.models import Cart, Customer, Event, InboxDelivery, Order, Product, Variant
from tests.fakes.shopify_server import FIXTURES, FakeShopify, fixture, fixture_bytes
from tests.shopify.support import SECRET, deliver, installed, sign

SHOP = "super-toys.myshopify.com"


def _events(type_: str) -> int:
    return db.session.scalar(select(func.count()).where(Event.type == type_)) or 0


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    "topic",
    ["orders/create", "orders/paid", "orders/updated", "orders/cancelled", "orders/fulfilled"],
)
def test_order_topics_land_in_mirror_with_events(
    topic: str, client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given Shopify's sample order, when it arrives under an order topic, then it is mirrored."""
    installed(fake, SHOP)
    assert deliver(client, topic, fixture_bytes("orders_create.json"), SHOP).status_code == 200
    run_jobs()
    order = db.session.scalar(select(Order).where(Order.platform_id == "820982911946154508"))
    assert order is not None and order.name == "#9999" and str(order.total_price) == "404.95"
    assert order.tags == ["tag1", "tag2"] and order.address("shipping").city == "Shippington"
    assert order.line_items[0].sku == "SKU2006-001"
    assert order.customer.email == "john@example.com"
    assert _events("order.created") == 1 and _events("order.cancelled") == 1


def test_customer_update_without_tags_keeps_known_tags_and_consent(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given tags and consent from their topics, when customers/update (no tags) follows, kept."""
    installed(fake, SHOP)
    tags = fixture("customer.tags_added.json") | {
        "customerId": "gid://shopify/Customer/706405506930370084"
    }
    consent = fixture("customers_email_marketing_consent_update.json")
    consent["email_marketing_consent"]["state"] = "subscribed"
    deliver(client, "customers/create", fixture_bytes("customers_create.json"), SHOP)
    deliver(client, "customer.tags_added", json.dumps(tags).encode(), SHOP)
    deliver(client, "customers_email_marketing_consent/update", json.dumps(consent).encode(), SHOP)
    run_jobs()
    deliver(client, "customers/update", fixture_bytes("customers_update.json"), SHOP)
    run_jobs()
    customer = db.session.scalar(select(Customer))
    assert customer.email == "bob@biller.com" and customer.city == "Ottawa"
    assert customer.tags == ["tag1", "tag2"] and customer.accepts_marketing is True
    # Shopify's sample customer is in state "disabled": a guest, so no customer.created
    assert _events("customer.created") == 0 and _events("customer.consent_changed") == 1


def test_tags_removed_topic_removes_tags(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a tagged customer, when customer.tags_removed arrives, then those tags are gone."""
    installed(fake, SHOP)
    gid = "gid://shopify/Customer/706405506930370084"
    added = fixture("customer.tags_added.json") | {"customerId": gid}
    deliver(client, "customer.tags_added", json.dumps(added).encode(), SHOP)
    run_jobs()
    removed = added | {"tags": ["tag1"]}
    deliver(client, "customer.tags_removed", json.dumps(removed).encode(), SHOP)
    run_jobs()
    assert db.session.scalar(select(Customer)).tags == ["tag2"]


def test_checkout_is_mirrored_as_cart_keyed_by_token(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given checkouts/create and /update (no id), then one cart keyed by token exists."""
    installed(fake, SHOP)
    deliver(client, "checkouts/create", fixture_bytes("checkouts_create.json"), SHOP)
    deliver(client, "checkouts/update", fixture_bytes("checkouts_update.json"), SHOP)
    run_jobs()
    cart = db.session.scalar(select(Cart))
    assert _count(Cart) == 1 and cart.platform_id == "123123123"
    assert cart.email == "example@email.com" and str(cart.total_price) == "421.88"
    assert cart.recovery_url.startswith("https://checkout.local/") and len(cart.items) == 2
    assert _events("cart.updated") == 1


def test_products_and_inventory_and_delete(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given products/create, an inventory level and products/delete, the mirror follows each."""
    installed(fake, SHOP)
    product = fixture("products_create.json")
    product["variants"][0]["inventory_item_id"] = 271878346596884015
    deliver(client, "products/create", json.dumps(product).encode(), SHOP)
    run_jobs()
    deliver(client, "inventory_levels/update", fixture_bytes("inventory_levels_update.json"), SHOP)
    run_jobs()
    variant = db.session.scalar(
        select(Variant).where(Variant.inventory_item_id == "271878346596884015")
    )
    assert variant.inventory_quantity == 10
    assert _events("product.created") == 1 and _events("inventory.changed") == 1
    deliver(client, "products/delete", fixture_bytes("products_delete.json"), SHOP)
    run_jobs()
    assert (
        db.session.scalar(select(Product)).status == "deleted" and _events("product.deleted") == 1
    )


def test_forged_webhook_gets_401_and_leaves_nothing(client: FlaskClient, fake: FakeShopify) -> None:
    """Given a body signed with another secret, then 401 and no inbox row."""
    installed(fake, SHOP)
    response = deliver(
        client, "orders/create", fixture_bytes("orders_create.json"), SHOP, secret="nope"
    )
    assert response.status_code == 401 and _count(InboxDelivery) == 0


def test_signature_over_other_bytes_gets_401(client: FlaskClient, fake: FakeShopify) -> None:
    """Given a signature of the pretty JSON but compact bytes sent (same JSON), then 401."""
    installed(fake, SHOP)
    pretty = (FIXTURES / "orders_create.json").read_bytes()
    headers = {
        "X-Shopify-Hmac-Sha256": sign(pretty),
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Event-Id": "e-9",
    }
    body = fixture_bytes("orders_create.json")
    response = client.post("/webhooks/shopify", data=body, headers=headers)
    assert response.status_code == 401 and _count(InboxDelivery) == 0


def test_malformed_body_gets_400_and_leaves_nothing(client: FlaskClient, fake: FakeShopify) -> None:
    """Given a signed body that is not a JSON object, then 400 and no inbox row."""
    for body in (b"{not json", b"[1, 2]"):
        assert deliver(client, "orders/create", body, SHOP).status_code == 400
    assert deliver(client, "orders/create", b"{}", "evil.com").status_code == 400
    assert _count(InboxDelivery) == 0


def test_duplicate_event_is_acknowledged_and_processed_once(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given the same event delivered twice, then both get 200, one row, one order.created."""
    installed(fake, SHOP)
    body = fixture_bytes("orders_create.json")
    assert deliver(client, "orders/create", body, SHOP, event_id="e-1").status_code == 200
    assert deliver(client, "orders/create", body, SHOP, event_id="e-1").status_code == 200
    assert _count(Order) == 0  # the door only records; the mirror is the job's work
    assert db.session.scalar(select(InboxDelivery.status)) == "received"
    run_jobs()
    assert _count(InboxDelivery) == 1 and _events("order.created") == 1


def test_older_update_arriving_late_never_overwrites_newer(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given orders/updated at 12:00 and then a delayed one from 11:00, the 12:00 data stays."""
    installed(fake, SHOP)
    newer = fixture("orders_updated.json") | {
        "updated_at": "2022-01-02T12:00:00-05:00",
        "note": "new",
    }
    older = fixture("orders_updated.json") | {
        "updated_at": "2022-01-02T11:00:00-05:00",
        "note": "old",
    }
    deliver(client, "orders/updated", json.dumps(newer).encode(), SHOP)
    run_jobs()
    deliver(client, "orders/updated", json.dumps(older).encode(), SHOP)
    run_jobs()
    assert db.session.scalar(select(Order)).note == "new"


def test_unknown_topic_is_recorded_and_acknowledged(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a topic we do not handle, then 200, an inbox row marked ignored, no mirror rows."""
    installed(fake, SHOP)
    body = fixture_bytes("bulk_operations_finish.json")
    assert deliver(client, "bulk_operations/finish", body, SHOP).status_code == 200
    run_jobs()
    assert db.session.scalar(select(InboxDelivery.status)) == "ignored" and _count(Order) == 0


def test_old_secret_and_unprefixed_headers_are_accepted(
    app, client: FlaskClient, fake: FakeShopify, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Given a rotated secret, a delivery signed with the old one (no X- prefix) is accepted."""
    import dataclasses

    rotated = dataclasses.replace(
        app.config["SETTINGS"],
        shopify_api_secret="shpss_new" + "0" * 32,
        shopify_old_api_secret=SECRET,
    )
    monkeypatch.setitem(app.config, "SETTINGS", rotated)
    body = fixture_bytes("products_update.json")
    assert deliver(client, "products/update", body, SHOP, prefix="Shopify-").status_code == 200
    assert _count(InboxDelivery) == 1


def test_order_update_after_create_replaces_lines_and_addresses(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given orders/create then a newer orders/updated, then one order with the newer data."""
    installed(fake, SHOP)
    deliver(client, "orders/create", fixture_bytes("orders_create.json"), SHOP)
    run_jobs()
    updated = fixture("orders_updated.json") | {"updated_at": "2022-01-02T12:00:00-05:00"}
    updated["shipping_address"] = updated["shipping_address"] | {"city": "Lexington"}
    deliver(client, "orders/updated", json.dumps(updated).encode(), SHOP)
    run_jobs()
    order = db.session.scalar(select(Order))
    assert _count(Order) == 1 and order.address("shipping").city == "Lexington"
    assert len(order.addresses) == 2 and _events("order.updated") == 1


def test_product_update_changes_product_and_emits_updated(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given products/create then a newer products/update, then the title and stock follow."""
    installed(fake, SHOP)
    deliver(client, "products/create", fixture_bytes("products_create.json"), SHOP)
    run_jobs()
    update = fixture("products_update.json") | {
        "title": "Example T-Shirt v2",
        "updated_at": "2022-01-05T10:00:00-05:00",
    }
    update["variants"][0]["inventory_quantity"] = 3
    deliver(client, "products/update", json.dumps(update).encode(), SHOP)
    run_jobs()
    product = db.session.scalar(select(Product))
    assert product.title == "Example T-Shirt v2" and product.tags == ["example", "mens", "t-shirt"]
    assert sorted(v.inventory_quantity for v in product.variants) == [3, 50]
    assert _events("product.updated") == 1 and _events("inventory.changed") == 1
