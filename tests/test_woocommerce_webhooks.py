"""The WooCommerce webhook door: verify raw bytes, dedupe, skip drafts, reach the mirror once."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.models import Customer, Event, InboxDelivery, Order, Product, Variant, WooSite
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, sign, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running


@pytest.fixture
def fake(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a loopback store connected to the app, with our webhooks created on it."""
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        yield store


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(kind: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.type == kind)))


def test_signed_order_reaches_the_mirror_with_its_facts(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a signed order.created, when jobs run, then the order is mirrored as sent."""
    response = deliver(client, hook_for(fake, "order.created"), wc.order(727))
    assert response.status_code == 200
    run_jobs()
    order = db.session.scalar(select(Order))
    assert (order.name, str(order.total_price), order.currency) == ("#727", "30.00", "EUR")
    assert order.placed_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert order.financial_status == "paid" and order.shipping_method == "Flat rate"
    line = order.line_items[0]
    assert (line.title, str(line.price), line.quantity) == ("Tea & Biscuits", "12.50", 2)
    assert order.customer.email == "ada@example.com" and order.customer.platform_id.startswith(
        "guest:"
    )
    assert len(_events("order.created")) == 1 and len(_events("order.paid")) == 1


def test_forged_signature_is_refused_and_nothing_recorded(
    client: FlaskClient, fake: FakeWooStore
) -> None:
    """Given a body signed with another secret, then 401 and no inbox row."""
    response = deliver(
        client, hook_for(fake, "order.created"), wc.order(727), signature=sign("guess", b"{}")
    )
    assert response.status_code == 401 and _count(InboxDelivery) == 0


def test_signature_is_checked_over_the_raw_bytes(client: FlaskClient, fake: FakeWooStore) -> None:
    """Given a signature over re-serialised JSON (no `\\/` escapes), then 401: bytes matter."""
    hook = hook_for(fake, "order.created")
    payload = wc.order(727)
    reserialised = json.dumps(payload).encode()
    response = deliver(client, hook, payload, signature=sign(hook["secret"], reserialised))
    assert response.status_code == 401 and _count(InboxDelivery) == 0


def test_creation_ping_is_answered_200_without_a_signature(
    client: FlaskClient, fake: FakeWooStore
) -> None:
    """Given the unsigned `webhook_id=N` form post sent on creation, then 200 and no row."""
    hook = hook_for(fake, "order.created")
    path = "/webhooks/woocommerce/" + hook["delivery_url"].rsplit("/", 1)[1]
    response = client.post(
        path, data=f"webhook_id={hook['id']}", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and _count(InboxDelivery) == 0


def test_created_and_updated_twins_are_processed_once(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given order.updated then order.created with identical bodies, then one row, one order."""
    payload = wc.order(727)
    assert deliver(client, hook_for(fake, "order.updated"), payload).status_code == 200
    second = deliver(client, hook_for(fake, "order.created"), payload)
    assert second.status_code == 200 and second.data == b"duplicate\n"
    run_jobs()
    assert _count(InboxDelivery) == 1 and _count(Order) == 1
    assert len(_events("order.created")) == 1 and _events("order.updated") == []


@pytest.mark.parametrize("topic", ["order.created", "order.updated"])
def test_checkout_draft_orders_are_ignored(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None], topic: str
) -> None:
    """Given a block-checkout draft order, then 200 and neither a row nor an order."""
    response = deliver(client, hook_for(fake, topic), wc.order(730, status="checkout-draft"))
    run_jobs()
    assert response.status_code == 200 and _count(InboxDelivery) == 0 and _count(Order) == 0


def test_malformed_body_with_valid_signature_is_400(
    client: FlaskClient, fake: FakeWooStore
) -> None:
    """Given signed bytes that are not a JSON object with an id, then 400 and no row."""
    hook = hook_for(fake, "order.created")
    path = "/webhooks/woocommerce/" + hook["delivery_url"].rsplit("/", 1)[1]
    headers = {
        "X-WC-Webhook-Signature": sign(hook["secret"], b"[1,2"),
        "X-WC-Webhook-Topic": "order.created",
        "X-WC-Webhook-Resource": "order",
    }
    response = client.post(path, data=b"[1,2", headers=headers)
    assert response.status_code == 400 and _count(InboxDelivery) == 0


def test_unknown_delivery_token_is_404(client: FlaskClient, fake: FakeWooStore) -> None:
    """Given a delivery URL we never handed out, then 404."""
    hook = {
        **hook_for(fake, "order.created"),
        "delivery_url": "http://localhost/webhooks/woocommerce/nope",
    }
    assert deliver(client, hook, wc.order(1)).status_code == 404


def test_status_change_and_full_refund_emit_canonical_events(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given an order then its refund (status refunded, negative refund), then refund events."""
    created = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    deliver(client, hook_for(fake, "order.created"), wc.order(727, created=created))
    refunded = wc.order(
        727,
        status="refunded",
        created=created,
        modified=created + timedelta(hours=2),
        refunds=[wc.refund(88, "30.00")],
    )
    deliver(client, hook_for(fake, "order.updated"), refunded)
    run_jobs()
    order = db.session.scalar(select(Order))
    assert order.financial_status == "refunded"
    assert (str(order.total_price), str(order.total_refunded)) == ("30.00", "30.00")
    assert len(_events("order.refunded")) == 1 and len(_events("order.updated")) == 1
    assert str(db.session.scalar(select(Customer)).total_spent) == "0.00"


def test_trashed_order_is_recorded_and_leaves_history(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given an order then its trash notice `{"id": N}`, then the order stays in the mirror."""
    deliver(client, hook_for(fake, "order.created"), wc.order(727))
    deliver(client, hook_for(fake, "order.deleted"), {"id": 727})
    run_jobs()
    statuses = sorted(db.session.scalars(select(InboxDelivery.status)))
    assert statuses == ["done", "ignored"] and _count(Order) == 1


def test_variation_stock_change_updates_its_variant(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a variable product and a variation delivery, then stock moves with an event."""
    parent = wc.product(50, name="Jumper", kind="variable", stock=None, variations=[51])
    modified = datetime(2026, 11, 3, tzinfo=UTC)
    deliver(client, hook_for(fake, "product.created"), parent)
    deliver(client, hook_for(fake, "product.updated"), wc.variation(51, 50, "M", 9))
    deliver(
        client,
        hook_for(fake, "product.updated"),
        wc.variation(51, 50, "M", 3, modified=modified),
    )
    run_jobs()
    variant = db.session.scalar(select(Variant))
    product = db.session.get(Product, variant.product_id)
    assert (product.platform_id, product.title, variant.title) == ("50", "Jumper", "M")
    assert variant.inventory_quantity == 3 and variant.low_stock_threshold == 5
    (event,) = _events("inventory.changed")
    assert (event.data["previous"], event.data["available"], event.data["threshold"]) == (9, 3, 5)


def test_trashed_product_is_marked_deleted(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a product then its trash notice, then it is deleted with product.deleted."""
    deliver(client, hook_for(fake, "product.created"), wc.product(41))
    deliver(client, hook_for(fake, "product.deleted"), {"id": 41})
    run_jobs()
    assert db.session.scalar(select(Product.status)) == "deleted"
    assert len(_events("product.deleted")) == 1


def test_customer_delivery_carries_ecomapp_tags(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a customer with our tags meta key, then the mirrored customer has those tags."""
    meta = [{"id": 3, "key": "_ecomapp_tags", "value": "vip,wholesale"}]
    deliver(client, hook_for(fake, "customer.created"), wc.customer(5, meta=meta))
    run_jobs()
    customer = db.session.scalar(select(Customer))
    assert customer.tags == ["vip", "wholesale"] and customer.platform_id == "5"
    assert db.session.scalar(select(WooSite.store_id)) == customer.store_id


def test_new_order_sent_as_the_store_sends_it_is_mirrored_once(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a new order, when the store sends created and updated twins, then one order."""
    from tests.fakes.woocommerce.flow import client_transport

    seen: list[bytes] = []
    send = client_transport(client)

    def spy(url: str, body: bytes, headers: dict[str, str]) -> int:
        seen.append(body)
        return send(url, body, headers)

    fake.transport = spy
    assert fake.place_order(wc.order(730, created=datetime.now(UTC))) == [200, 200]
    run_jobs()
    assert len(seen) == 2 and seen[0] == seen[1] and b"\\/" in seen[0] and seen[0].isascii()
    assert _count(Order) == 1 and len(_events("order.created")) == 1


def test_a_delivery_costs_one_lookup_one_insert_and_one_redis_transaction(
    app: Flask, client: FlaskClient, fake: FakeWooStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a connected store, when a signed order arrives, then the door reads its hook token
    once, inserts the inbox row once and queues the inbox drain in one Redis pipeline."""
    from redis.client import Pipeline
    from sqlalchemy import event

    statements: list[str] = []
    pipelines: list[int] = []
    real = Pipeline.execute

    def counted(self: Pipeline, *args: object, **options: object) -> object:
        pipelines.append(1)
        return real(self, *args, **options)

    def seen(*args: object) -> None:
        statements.append(str(args[2]).split()[0])

    import psycopg

    driver_execute = psycopg.Connection.execute

    def driver_seen(self: psycopg.Connection[Any], query: Any, *args: Any, **kw: Any) -> Any:
        statements.append(str(query).split()[0])  # the door's prepared insert on PostgreSQL
        return driver_execute(self, query, *args, **kw)

    hook = hook_for(fake, "order.created")
    with app.app_context():
        engine = db.engine
    monkeypatch.setattr(psycopg.Connection, "execute", driver_seen)
    monkeypatch.setattr(Pipeline, "execute", counted)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert deliver(client, hook, wc.order(728)).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == ["SELECT", "INSERT"]  # the hook token's store, the inbox row
    assert pipelines == [1]
