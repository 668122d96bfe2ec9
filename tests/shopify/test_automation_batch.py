"""The batched engine against the Shopify stand-in: one tag call per target and batch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ecomapp.automation.batch import process_store_events
from ecomapp.extensions import db
from ecomapp.mirror.orders import apply_order
from ecomapp.models import Event, PendingEvent, Run
from tests.automation_support import count, effects, make_automation
from tests.factories import customer_record, order_record
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.support import installed

SHOP = "batch-toys.myshopify.com"


def _tagging(event: str, action: str, tags: list[str]) -> dict[str, object]:
    return {
        "trigger": {"event": event},
        "steps": [{"type": "action", "action": action, "params": {"tags": tags}}],
    }


def _tags_added(fake: FakeShopify) -> list[dict[str, object]]:
    return [c["variables"] for c in fake.calls if c.get("op") == "tagsAdd"]


def test_tag_changes_of_a_batch_reach_shopify_once_per_order_and_customer(
    fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given four automations tagging the order and the customer on order.created and
    order.paid, when two paid orders of one customer arrive in one batch, then Shopify gets
    one tagsAdd per order and one for the customer carrying every tag, each effect is in the
    ledger once, and running the batch again for the same events calls Shopify no more."""
    store = installed(fake, SHOP)
    make_automation(store, _tagging("order.created", "tag_order", ["new"]))
    make_automation(store, _tagging("order.paid", "tag_order", ["paid"]))
    make_automation(store, _tagging("order.created", "tag_customer", ["buyer"]))
    make_automation(store, _tagging("order.paid", "tag_customer", ["payer"]))
    buyer = customer_record(platform_id="9001")
    placed = datetime.now(UTC) - timedelta(hours=1)
    for pid, at in (("5001", placed), ("5002", placed + timedelta(minutes=5))):
        apply_order(store, order_record(platform_id=pid, customer=buyer, placed_at=at))
    db.session.commit()
    fake.calls.clear()
    run_jobs()
    added = sorted(_tags_added(fake), key=lambda v: str(v["id"]))
    assert added == [
        {"id": "gid://shopify/Customer/9001", "tags": ["buyer", "payer"]},
        {"id": "gid://shopify/Order/5001", "tags": ["new", "paid"]},
        {"id": "gid://shopify/Order/5002", "tags": ["new", "paid"]},
    ]
    assert count(Run) == 8 and effects(store) == 8
    assert set(db.session.scalars(select(Run.status))) == {"done"}
    for event_id in db.session.scalars(select(Event.id)):
        db.session.add(PendingEvent(event_id=event_id, store_id=store.id))
    db.session.commit()
    fake.calls.clear()
    process_store_events(store.id)
    db.session.commit()
    assert _tags_added(fake) == [] and count(Run) == 8 and effects(store) == 8
