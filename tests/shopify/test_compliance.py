"""app/uninstalled and the compliance topics really stop, export, redact and delete."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_at
from ecomapp.models import (
    Address,
    Customer,
    DataExport,
    DueWork,
    Event,
    InboxDelivery,
    Order,
    Store,
)
from ecomapp.models.types import utcnow
from tests.fakes.shopify_server import FakeShopify, fixture, fixture_bytes
from tests.shopify.support import deliver, installed, session_token, uninstalled_body

SHOP = "super-toys.myshopify.com"
OTHER = "other-shop.myshopify.com"


def _with_order(client: FlaskClient, shop: str, run_jobs: Callable[[], None]) -> None:
    order = fixture("orders_create.json")
    order["customer"]["id"] = 191167
    order["id"] = 299938
    order["admin_graphql_api_id"] = "gid://shopify/Order/299938"
    deliver(client, "orders/create", json.dumps(order).encode(), shop)
    run_jobs()


def _gdpr(name: str, shop: str) -> bytes:
    return json.dumps(fixture(name) | {"shop_domain": shop}).encode()


def test_uninstall_drops_tokens_and_stops_processing(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given app/uninstalled, tokens go, pending work is cancelled, later orders are ignored."""
    store = installed(fake, SHOP)
    run_jobs()
    enqueue_at(
        utcnow().replace(year=2099),
        "ecomapp.platforms.shopify.jobs:setup_store",
        store.id,
        store_id=store.id,
    )
    db.session.commit()
    deliver(client, "app/uninstalled", uninstalled_body(SHOP), SHOP)
    run_jobs()
    store = db.session.get(Store, store.id)
    assert not store.is_active and store.access_token is None and store.refresh_token is None
    assert db.session.scalar(select(DueWork.status).where(DueWork.due_at > utcnow())) == "cancelled"
    deliver(client, "orders/create", fixture_bytes("orders_create.json"), SHOP)
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    token = session_token(SHOP)
    assert client.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_data_request_exports_and_panel_downloads_it(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given customers/data_request, an export of the customer is downloadable in the panel."""
    installed(fake, SHOP)
    _with_order(client, SHOP, run_jobs)
    deliver(client, "customers/data_request", _gdpr("customers_data_request.json", SHOP), SHOP)
    run_jobs()
    export = db.session.scalar(select(DataExport))
    assert export.request_id == "9999" and export.customer_platform_id == "191167"
    auth = {"Authorization": f"Bearer {session_token(SHOP)}"}
    page = client.get("/shopify/panel", headers=auth)
    assert f"/shopify/panel/exports/{export.id}.json" in page.text
    data = client.get(f"/shopify/panel/exports/{export.id}.json", headers=auth).get_json()
    assert data["customer"]["email"] == "john@example.com"
    assert data["orders"][0]["id"] == "299938"
    assert data["orders"][0]["addresses"][0]["address1"] == "123 Shipping Street"
    other = {"Authorization": f"Bearer {session_token(OTHER)}"}
    installed(fake, OTHER)
    assert client.get(f"/shopify/panel/exports/{export.id}.json", headers=other).status_code == 404


def test_customer_redact_erases_pii_from_mirror_and_inbox(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given customers/redact, the customer's PII is gone from mirror, orders and inbox."""
    installed(fake, SHOP)
    _with_order(client, SHOP, run_jobs)
    deliver(client, "customers/redact", _gdpr("customers_redact.json", SHOP), SHOP)
    run_jobs()
    customer = db.session.scalar(select(Customer).where(Customer.platform_id == "191167"))
    assert customer.email is None and customer.redacted_at is not None
    assert customer.first_name == "" and customer.phone is None
    order = db.session.scalar(select(Order))
    assert order.email is None
    assert all(a.address1 is None and a.name is None for a in db.session.scalars(select(Address)))
    bodies = db.session.scalars(select(InboxDelivery.body)).all()
    assert not any(b"john@example.com" in b for b in bodies)


def test_shop_redact_deletes_all_shop_data_and_nothing_else(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given two shops, when shop/redact arrives for one, only that shop's data is gone."""
    store = installed(fake, SHOP)
    other = installed(fake, OTHER)
    _with_order(client, SHOP, run_jobs)
    _with_order(client, OTHER, run_jobs)
    deliver(client, "app/uninstalled", uninstalled_body(SHOP), SHOP)
    deliver(client, "shop/redact", _gdpr("shop_redact.json", SHOP), SHOP)
    run_jobs()
    for model in (Order, Customer, Event):
        assert db.session.scalar(select(func.count()).where(model.store_id == store.id)) == 0
        assert db.session.scalar(select(func.count()).where(model.store_id == other.id)) > 0
    remaining = db.session.scalars(
        select(InboxDelivery.topic).where(InboxDelivery.store_id == store.id)
    )
    assert list(remaining) == ["shop/redact"]
    assert db.session.get(Store, store.id).access_token is None
