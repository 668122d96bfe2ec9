"""Concurrent deliveries for one new customer and order: every one lands, the newest wins."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.jobs.runner import run_job
from ecomapp.models import Customer, Event, InboxDelivery, Order
from tests import services
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.shopify.support import deliver, installed, matching_gid

SHOP = "super-toys.myshopify.com"
WORKERS = 6
VERSIONS = 6
BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.skipif(
    not services.TEST_DATABASE_URL,
    reason="SQLite serialises every writer, so no two deliveries ever race: needs PostgreSQL",
)


def _customer(version: int) -> dict[str, Any]:
    body = fixture("customers_create.json")
    at = (BASE + timedelta(minutes=version)).isoformat()
    return (
        body
        | {"id": 4242, "state": "enabled", "phone": f"+1613555010{version}"}
        | {
            "email": "race@example.com",
            "created_at": BASE.isoformat(),
            "updated_at": at,
        }
    )


def _order(version: int) -> dict[str, Any]:
    body = fixture("orders_create.json")
    at = (BASE + timedelta(minutes=version)).isoformat()
    body |= {"id": 5151, "financial_status": "paid", "cancelled_at": None, "closed_at": None}
    body |= {"note": f"version {version}", "updated_at": at, "processed_at": BASE.isoformat()}
    return body | {"customer": _customer(version)}


def _deliveries() -> list[tuple[str, bytes]]:
    found = []
    for version in range(1, VERSIONS + 1):
        found.append(("customers/create", json.dumps(matching_gid(_customer(version))).encode()))
        for topic in ("orders/create", "orders/paid", "orders/updated"):
            found.append((topic, json.dumps(matching_gid(_order(version))).encode()))
    return found


def _ingest_in_parallel(app: Flask, delivery_ids: list[int]) -> list[str]:
    start = threading.Barrier(WORKERS)

    def work(ids: list[int]) -> list[str]:
        start.wait()
        with app.app_context():  # its own session and connection, as a worker process has
            return [run_job("ecomapp.jobs.ingest:ingest_delivery", [i]) for i in ids]

    chunks = [delivery_ids[n::WORKERS] for n in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        return [status for result in pool.map(work, chunks) for status in result]


def _count(model: type, *where: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_simultaneous_deliveries_all_land_and_the_newest_data_wins(
    app: Flask, client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given 24 signed deliveries (customers/create, orders/create, orders/paid,
    orders/updated, six versions each) for one new customer and order, when six workers
    ingest them at the same moment on PostgreSQL, then every delivery ends done, the mirror
    holds the newest version, and each one-time event was emitted once."""
    installed(fake, SHOP)
    run_jobs()
    for topic, body in _deliveries():
        assert deliver(client, topic, body, SHOP).status_code == 200
    db.session.commit()
    ids = list(
        db.session.scalars(select(InboxDelivery.id).where(InboxDelivery.status == "received"))
    )
    assert len(ids) == 4 * VERSIONS
    statuses = _ingest_in_parallel(app, ids)
    db.session.expire_all()
    failed = db.session.scalars(select(InboxDelivery.error).where(InboxDelivery.status != "done"))
    assert list(failed) == [] and set(statuses) == {"succeeded"}
    order = db.session.scalar(select(Order))
    customer = db.session.scalar(select(Customer))
    assert _count(Order) == 1 and _count(Customer) == 1
    assert order.note == f"version {VERSIONS}" and customer.phone == f"+1613555010{VERSIONS}"
    for kind in ("customer.created", "order.created", "order.paid"):
        assert _count(Event, Event.type == kind) == 1, kind
