"""Segments kept current from signed WooCommerce deliveries: a Paris guest who used a coupon on
biscuits enters once (order.created and order.updated carry the same body) and leaves once
when the order is refunded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Customer, Event, Store
from ecomapp.segments.library import save_segment
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.segments_support import members

PLACED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
RULES = {
    "all": [
        {
            "field": "orders.product_title",
            "op": "contains",
            "value": "biscuits",
            "quantifier": "any",
        },
        {"field": "orders.coupon_code", "op": "=", "value": "TEATIME", "quantifier": "any"},
        {"field": "customer.zip", "op": "starts_with", "value": "75"},
        {"field": "customer.has_account", "op": "=", "value": False},
        {"field": "customer.total_spent", "op": ">", "value": "0"},
    ]
}


@pytest.fixture
def fake(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a loopback store connected to the app, with our webhooks created on it."""
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        yield store


def _order(status: str, modified: datetime, **changes: Any) -> dict[str, Any]:
    coupons = [{"id": 3, "code": "teatime", "discount": "2.00", "discount_tax": "0.00"}]
    body = wc.order(727, status=status, created=PLACED, modified=modified)
    return body | {"coupon_lines": coupons} | changes


def _moves(kind: str) -> int:
    return len(list(db.session.scalars(select(Event.id).where(Event.type == kind))))


def test_a_guest_enters_once_and_leaves_once_as_signed_orders_arrive(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None], time_machine: Any
) -> None:
    """Given a segment of Paris guests who bought biscuits with coupon TEATIME, when the paid
    order arrives as order.created and order.updated, then the guest enters once; when the
    order is refunded, they leave once."""
    time_machine.move_to(PLACED + timedelta(minutes=5), tick=False)
    store = db.session.scalar(select(Store))
    assert store is not None
    segment = save_segment(store, "Tea time in Paris", RULES)
    run_jobs()
    paid = _order("processing", PLACED + timedelta(seconds=6))
    for topic in ("order.created", "order.updated"):
        assert deliver(client, hook_for(fake, topic), paid).status_code == 200
    run_jobs()
    guest = db.session.scalar(select(Customer).where(Customer.store_id == store.id))
    assert guest is not None and not guest.has_account
    assert members(segment.id) == {guest.id}
    assert _moves("customer.entered_segment") == 1
    refunded = _order("refunded", PLACED + timedelta(minutes=2), refunds=[wc.refund(9, "30.00")])
    assert deliver(client, hook_for(fake, "order.updated"), refunded).status_code == 200
    run_jobs()
    assert members(segment.id) == set()
    assert _moves("customer.left_segment") == 1 and _moves("customer.entered_segment") == 1
