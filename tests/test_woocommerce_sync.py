"""Import, reconciliation and webhook health against a loopback wc/v3 store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.models import Customer, Event, JobRecord, Order, Product, Store, Variant, WooSite
from ecomapp.models.types import utcnow
from ecomapp.platforms.woocommerce.sync import reconcile_store
from ecomapp.platforms.woocommerce.webhooks import check_webhook_health
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running


@pytest.fixture
def fake(app: Flask) -> Iterator[FakeWooStore]:
    """Return a loopback WooCommerce store and dev settings that may reach it."""
    with woo_settings(app), running(FakeWooStore()) as store:
        yield store


def _count(model: type, *where: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _history(fake: FakeWooStore) -> None:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    jumper = wc.product(900, name="Jumper", kind="variable", stock=None, variations=[901, 902])
    fake.add("products", *(wc.product(i, name=f"Mug {i}") for i in range(1, 105)), jumper)
    fake.variations[900] = [wc.variation(901, 900, "S", 4), wc.variation(902, 900, "M", 6)]
    fake.add("customers", *(wc.customer(i, email=f"c{i}@example.com") for i in range(1, 231)))
    orders = [wc.order(1000 + i, customer_id=i % 230 + 1, created=start) for i in range(120)]
    fake.add("orders", *orders, wc.order(2000, status="checkout-draft"))


def test_initial_import_pages_through_everything_once(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given more than a page of each resource, then all of it is imported once, silently."""
    _history(fake)
    connect(client, fake)
    run_jobs()
    assert _count(Product) == 105 and _count(Variant) == 106
    assert _count(Customer) == 230 and _count(Order) == 120
    assert _count(Event, Event.type.in_(["order.created", "customer.created"])) == 0
    state = db.session.scalar(select(WooSite.sync_state))
    assert state["status"] == "done"
    assert state["customer"] == {"done": 230, "total": 230}
    assert state["order"] == {"done": 121, "total": 121}
    record = db.session.scalar(select(JobRecord).where(JobRecord.job.endswith(":initial_sync")))
    assert (record.status, record.progress_done, record.progress_total) == ("succeeded", 456, 456)
    pages = [q["page"][0] for m, p, q in fake.requests if p.endswith("/customers") and "page" in q]
    assert pages[:3] == ["1", "2", "3"]


def test_import_survives_server_errors_and_throttling(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a store answering 503 then 429 mid-import, then the import still completes."""
    fake.add("customers", wc.customer(5))
    connect(client, fake)
    fake.fail_next(503, 429)
    run_jobs()
    assert _count(Customer) == 1
    assert db.session.scalar(select(WooSite.sync_state))["status"] == "done"


def test_reconciliation_catches_what_webhooks_missed(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given an order changed while no webhook arrived, when reconciling, then it is mirrored."""
    connect(client, fake)
    run_jobs()
    fake.add("orders", wc.order(731, created=utcnow()))
    store = db.session.scalar(select(Store))
    reconcile_store(store.id)
    assert db.session.scalar(select(Order.platform_id)) == "731"
    asked = [q for m, p, q in fake.requests if p.endswith("/orders") and "modified_after" in q]
    assert asked[-1]["dates_are_gmt"] == ["true"]


def test_order_seen_by_webhook_and_reconciliation_is_mirrored_once(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given an order delivered by webhook and found again by reconciliation, then one order."""
    connect(client, fake)
    run_jobs()
    payload = wc.order(732, created=utcnow())
    fake.add("orders", payload)
    deliver(client, hook_for(fake, "order.created"), payload)
    run_jobs()
    reconcile_store(db.session.scalar(select(Store.id)))
    assert _count(Order) == 1 and _count(Event, Event.type == "order.created") == 1


def test_health_job_recreates_disabled_webhooks(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a webhook WooCommerce disabled after failures, then it is deleted and recreated."""
    connect(client, fake)
    run_jobs()
    disabled = hook_for(fake, "order.updated")
    disabled["status"] = "disabled"
    assert check_webhook_health() == 1
    run_jobs()
    fresh = hook_for(fake, "order.updated")
    assert disabled["id"] not in fake.webhooks and fresh["status"] == "active"
    assert len(fake.webhooks) == 9
    assert db.session.scalar(select(WooSite.webhook_ids))["order.updated"] == fresh["id"]


def test_reconciliation_finds_new_customers_without_reading_them_all(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given 150 old customers and one registered since, then one page is read and it is added."""
    old = datetime(2026, 1, 1, tzinfo=UTC)
    fake.add(
        "customers", *(wc.customer(i, f"c{i}@example.com", created=old) for i in range(1, 151))
    )
    connect(client, fake)
    run_jobs()
    fake.add("customers", wc.customer(151, "new@example.com", created=utcnow()))
    fake.requests.clear()
    reconcile_store(db.session.scalar(select(Store.id)))
    assert db.session.scalar(select(Customer.email).where(Customer.platform_id == "151"))
    pages = [q for m, p, q in fake.requests if p.endswith("/customers")]
    assert len(pages) == 1 and pages[0]["orderby"] == ["registered_date"]
