"""Segments kept current from signed Shopify deliveries: a customer enters when their order
arrives and leaves when it is refunded, each move announced once, and automations react."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Customer, Event, Order, Store
from ecomapp.segments.library import save_segment
from tests.automation_support import make_automation
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.segments_support import count, members
from tests.shopify.support import deliver, installed

SHOP = "segment-toys.myshopify.com"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
RULES = {
    "all": [
        {"field": "orders.coupon_code", "op": "=", "value": "spring10", "quantifier": "any"},
        {"field": "customer.total_spent", "op": ">=", "value": "100"},
        {"field": "customer.days_since_last_order", "op": "<", "value": "30"},
    ]
}


def _order(updated: datetime, **changes: Any) -> bytes:
    body = fixture("orders_create.json") | {
        "cancelled_at": None,
        "financial_status": "paid",
        "total_price": "150.00",
        "processed_at": (NOW - timedelta(days=1)).isoformat(),
        "created_at": (NOW - timedelta(days=1)).isoformat(),
        "updated_at": updated.isoformat(),
        "discount_codes": [{"code": "SPRING10", "amount": "15.00", "type": "fixed_amount"}],
        "refunds": [],
    }
    return json.dumps(body | changes, separators=(",", ":")).encode()


def _refund() -> list[dict[str, Any]]:
    return [
        {"id": 1, "transactions": [{"kind": "refund", "status": "success", "amount": "150.00"}]}
    ]


def _moves(kind: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.type == kind)))


def _segment(store: Store, run_jobs: Callable[[], None]) -> int:
    segment = save_segment(store, "Spring coupon buyers", RULES)
    make_automation(
        store,
        {
            "trigger": {"event": "customer.entered_segment"},
            "conditions": {
                "all": [{"field": "event.segment", "op": "=", "value": "Spring coupon buyers"}]
            },
            "steps": [
                {"type": "action", "action": "tag_customer", "params": {"tags": ["spring-fan"]}}
            ],
        },
    )
    run_jobs()  # the first computation: the baseline (no one yet)
    return segment.id


def test_a_customer_enters_and_leaves_as_orders_arrive_and_each_move_is_announced_once(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None], time_machine: Any
) -> None:
    """Given a 'SPRING10 buyers who spent 100+ in the last 30 days' segment, when a paid order
    with that code arrives (twice: a re-delivery and orders/updated), then the customer enters
    once, an automation on customer.entered_segment tags them at Shopify; when the order is
    refunded, they leave once."""
    time_machine.move_to(NOW, tick=False)
    store = installed(fake, SHOP)
    segment_id = _segment(store, run_jobs)
    body = _order(NOW - timedelta(hours=20))
    for topic, event_id in (
        ("orders/create", "e-1"),
        ("orders/create", "e-1"),
        ("orders/updated", "e-1"),
    ):
        assert deliver(client, topic, body, SHOP, event_id=event_id).status_code == 200
    run_jobs()
    customer = db.session.scalar(select(Customer).where(Customer.store_id == store.id))
    assert customer is not None
    order = db.session.scalar(select(Order).where(Order.store_id == store.id))
    assert order is not None and order.discount_codes == ["SPRING10"]
    assert members(segment_id) == {customer.id}
    entered = _moves("customer.entered_segment")
    assert len(entered) == 1 and entered[0].subject_id == customer.id
    tagged = [c["variables"] for c in fake.calls if c.get("op") == "tagsAdd"]
    assert {
        "id": f"gid://shopify/Customer/{customer.platform_id}",
        "tags": ["spring-fan"],
    } in tagged

    refunded = _order(NOW - timedelta(hours=2), financial_status="refunded", refunds=_refund())
    for _ in range(2):
        assert deliver(client, "orders/updated", refunded, SHOP, event_id="e-2").status_code == 200
    run_jobs()
    assert members(segment_id) == set()
    assert len(_moves("customer.left_segment")) == 1
    assert len(_moves("customer.entered_segment")) == 1


def test_the_nightly_refresh_lets_a_customer_go_when_their_last_order_grows_old(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None], time_machine: Any
) -> None:
    """Given a member whose only order was a day ago, when 30 days pass and the nightly refresh
    runs, then they leave the 'last 30 days' segment with one customer.left_segment."""
    time_machine.move_to(NOW, tick=False)
    store = installed(fake, SHOP)
    segment_id = _segment(store, run_jobs)
    deliver(client, "orders/create", _order(NOW - timedelta(hours=20)), SHOP, event_id="e-9")
    run_jobs()
    assert len(members(segment_id)) == 1
    time_machine.move_to(NOW + timedelta(days=30), tick=False)
    run_jobs()  # the ticker records the nightly refresh of the new day…
    run_jobs()  # …and enqueues it on its next tick
    assert members(segment_id) == set()
    assert count(Event, Event.type == "customer.left_segment") == 1


def test_a_segment_is_mirrored_to_shopify_as_a_customer_tag_in_bulk(
    fake: FakeShopify, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given 60 customers of whom the 40 big spenders form a segment and 5 others carry its tag,
    when the merchant tags the segment's members at the store, then Shopify gets the tag on the
    40 and off the 5 in bulk documents, and the run ends done with every change pushed."""
    from decimal import Decimal

    from ecomapp.admin.auth import login_token
    from ecomapp.models import GroupRun

    store = installed(fake, SHOP)
    db.session.add_all(
        Customer(
            store_id=store.id,
            platform_id=str(8000 + i),
            orders_count=1,
            total_spent=Decimal(500 if i < 40 else 10),
            tags=["segment: Big"] if i >= 55 else [],
        )
        for i in range(60)
    )
    db.session.commit()
    rules = {"all": [{"field": "customer.total_spent", "op": ">=", "value": "100"}]}
    segment = save_segment(store, "Big", rules)
    run_jobs()
    client.get(f"/login/{login_token(store)}")
    page = client.get(f"/segments/{segment.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(f"/segments/{segment.id}/push-tag", data={"csrf_token": token})
    assert response.status_code == 303
    run_jobs()
    run = db.session.scalars(select(GroupRun)).one()
    assert (run.status, run.changed, run.pushed) == ("done", 45, 45)
    assert fake.resource_tags["gid://shopify/Customer/8000"] == ["segment: Big"]
    assert "segment: Big" not in fake.resource_tags.get("gid://shopify/Customer/8059", [])
    batches = [c for c in fake.calls if c.get("op") == "tagsBatch"]
    assert 1 <= len(batches) <= 2  # 50 customers per document
