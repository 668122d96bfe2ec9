"""Adapter operations reach the store: tags in a meta key with notes, status, stock, coupons."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Customer, Order, Store
from ecomapp.platforms.base import DiscountSpec, RiskAssessment, TagChange, UnsupportedOperation
from ecomapp.platforms.registry import get_adapter
from ecomapp.platforms.woocommerce.client import WooCommerceError
from ecomapp.platforms.woocommerce.tags import TagsNotStored
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running


@pytest.fixture
def fake(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a connected loopback store holding one order, customer and product."""
    with woo_settings(app), running(FakeWooStore()) as store:
        store.add("orders", wc.order(727, customer_id=5))
        store.add("customers", wc.customer(5))
        store.add("products", wc.product(41), wc.product(42, stock=3))
        jumper = wc.product(50, name="Jumper", kind="variable", stock=None, variations=[51])
        store.add("products", jumper)
        store.variations[50] = [wc.variation(51, 50, "M", 9)]
        connect(client, store)
        run_jobs()
        yield store


@pytest.fixture
def store(fake: FakeWooStore) -> Store:
    """Return the connected store row."""
    return db.session.scalar(select(Store))


def _meta(item: dict, key: str) -> str | None:
    return next((m["value"] for m in item["meta_data"] if m["key"] == key), None)


def test_order_tags_live_in_a_meta_key_with_a_note(
    client: FlaskClient, fake: FakeWooStore, store: Store, run_jobs: Callable[[], None]
) -> None:
    """Given an order, when tags are added, then meta holds them, a note says so, mirror follows."""
    get_adapter("woocommerce").add_tags(store, "order", "727", ["vip", "gift"])
    assert _meta(fake.orders[727], "ecomapp_tags") == "vip,gift"
    order_id, note = fake.notes[-1]
    assert order_id == 727 and note["note"] == "ecomapp tags added: vip, gift"
    assert note["customer_note"] is False
    deliver(client, hook_for(fake, "order.updated"), fake.orders[727])
    run_jobs()
    assert db.session.scalar(select(Order.tags)) == ["vip", "gift"]


def test_customer_tags_are_removed_from_the_meta_key(fake: FakeWooStore, store: Store) -> None:
    """Given a tagged customer, when one tag is removed, then the other stays."""
    adapter = get_adapter("woocommerce")
    adapter.add_tags(store, "customer", "5", ["vip", "wholesale"])
    adapter.remove_tags(store, "customer", "5", ["vip"])
    assert _meta(fake.customers[5], "ecomapp_tags") == "wholesale"


def test_customer_group_lands_on_the_store_and_comes_back_in_the_mirror(
    client: FlaskClient, fake: FakeWooStore, store: Store, run_jobs: Callable[[], None]
) -> None:
    """Given a customer, when grouped VIP, then the store keeps the meta a webhook brings back."""
    get_adapter("woocommerce").add_tags(store, "customer", "5", ["vip"])
    assert _meta(fake.customers[5], "ecomapp_tags") == "vip"
    assert _meta(fake.customers[5], "_ecomapp_tags") is None
    deliver(client, hook_for(fake, "customer.updated"), fake.customers[5])
    run_jobs()
    assert db.session.scalar(select(Customer.tags).where(Customer.platform_id == "5")) == ["vip"]


def test_meta_the_store_does_not_keep_is_a_failure_not_a_success(
    fake: FakeWooStore, store: Store
) -> None:
    """Given a key whose user is no administrator (customer meta hidden), then tagging fails."""
    fake.admin_key = False
    with pytest.raises(TagsNotStored, match="customer 5: the store answered 200 but"):
        get_adapter("woocommerce").add_tags(store, "customer", "5", ["vip"])


def test_many_customers_are_retagged_through_batches_of_100(
    fake: FakeWooStore, store: Store
) -> None:
    """Given 150 customers changing group, then two customers/batch calls and every tag lands."""
    fake.add("customers", *(wc.customer(i, f"c{i}@example.com") for i in range(100, 250)))
    fake.requests.clear()
    changes = [TagChange(str(i), ["spend-500"], ["spend-100"]) for i in range(100, 250)]
    get_adapter("woocommerce").change_tags_bulk(store, "customer", changes)
    batches = [p for m, p, q in fake.requests if p.endswith("/customers/batch")]
    assert len(batches) == 2 and not [p for m, p, q in fake.requests if m == "PUT"]
    assert {_meta(fake.customers[i], "ecomapp_tags") for i in range(100, 250)} == {"spend-500"}


def test_batch_item_refused_by_the_store_is_named_in_the_failure(
    fake: FakeWooStore, store: Store
) -> None:
    """Given a batch with a customer the store does not know, then the failure names it."""
    changes = [TagChange("5", ["vip"]), TagChange("999", ["vip"])]
    with pytest.raises(TagsNotStored, match="customer 999: Invalid ID"):
        get_adapter("woocommerce").change_tags_bulk(store, "customer", changes)
    assert _meta(fake.customers[5], "ecomapp_tags") == "vip"


def test_product_tags_are_not_supported(fake: FakeWooStore, store: Store) -> None:
    """Given a product, when tagging it, then UnsupportedOperation says why."""
    with pytest.raises(UnsupportedOperation, match="orders and customers"):
        get_adapter("woocommerce").add_tags(store, "product", "41", ["x"])


def test_hold_and_release_change_the_order_status(fake: FakeWooStore, store: Store) -> None:
    """Given a processing order, when held then released, then status follows with a note."""
    adapter = get_adapter("woocommerce")
    adapter.hold_fulfillment(store, "727", "address mismatch")
    assert fake.orders[727]["status"] == "on-hold"
    assert fake.notes[-1][1]["note"] == "Held by ecomapp: address mismatch"
    adapter.release_fulfillment(store, "727")
    assert fake.orders[727]["status"] == "processing"


def test_risk_becomes_a_tag_and_a_note(fake: FakeWooStore, store: Store) -> None:
    """Given a high-risk verdict, then the order gets risk-high and a note with the facts."""
    risk = RiskAssessment("high", ["billing and shipping countries differ"])
    get_adapter("woocommerce").flag_order_risk(store, "727", risk)
    assert _meta(fake.orders[727], "ecomapp_tags") == "risk-high"
    assert "billing and shipping countries differ" in fake.notes[-1][1]["note"]


def test_unpublish_product_sets_draft(fake: FakeWooStore, store: Store) -> None:
    """Given a published product, when unpublished, then its status is draft."""
    get_adapter("woocommerce").set_product_published(store, "41", False)
    assert fake.products[41]["status"] == "draft"


def test_stock_is_set_in_batches_and_read_back(fake: FakeWooStore, store: Store) -> None:
    """Given products and a variation, when stock is set, then one batch per parent, read back."""
    adapter = get_adapter("woocommerce")
    adapter.set_stock(store, {"41": 7, "42": 0, "51": 2})
    batches = sorted(r[1] for r in fake.requests if r[1].endswith("/batch"))
    assert batches == [
        "/wp-json/wc/v3/products/50/variations/batch",
        "/wp-json/wc/v3/products/batch",
    ]
    assert adapter.read_inventory(store, ["41", "42", "51"]) == {"41": 7, "42": 0, "51": 2}


def test_discount_code_becomes_a_coupon(fake: FakeWooStore, store: Store) -> None:
    """Given a 10% single-use code for one e-mail, then the coupon carries exactly that."""
    spec = DiscountSpec("THANKS10", percent_off=Decimal("10"), customer_email="ada@example.com")
    coupon_id = get_adapter("woocommerce").create_discount_code(store, spec)
    (coupon,) = fake.coupons
    assert str(coupon["id"]) == coupon_id
    assert (coupon["code"], coupon["discount_type"], coupon["amount"]) == (
        "thanks10",  # WooCommerce keeps coupon codes lower-cased
        "percent",
        "10",
    )
    assert coupon["usage_limit"] == 1 and coupon["email_restrictions"] == ["ada@example.com"]
    assert coupon["date_expires_gmt"] > "2026"


def test_unknown_order_is_a_permanent_error(fake: FakeWooStore, store: Store) -> None:
    """Given an order id the store does not know, then a 404 permanent error."""
    with pytest.raises(WooCommerceError) as caught:
        get_adapter("woocommerce").set_order_status(store, "999", "completed")
    assert caught.value.status == 404
