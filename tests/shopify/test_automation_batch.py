"""The batched engine against the Shopify stand-in: one tag call per target and batch."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ecomapp.automation.batch import process_store_events
from ecomapp.extensions import db
from ecomapp.mirror.orders import apply_order
from ecomapp.models import Event, PendingEvent, Run, RunStep
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


def test_a_refused_tag_call_fails_its_runs_and_their_later_steps_never_reach_shopify(
    fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given an automation tagging the customer then the order, and another tagging the order,
    when Shopify refuses the customer's tagsAdd (400), then that run fails at step 1 with the
    reason, its order tag is not sent (step 2 not run), the other run's order tag is, and only
    the applied effect stays in the ledger."""
    store = installed(fake, SHOP)
    both = make_automation(
        store,
        {
            "trigger": {"event": "order.created"},
            "steps": [
                {"type": "action", "action": "tag_customer", "params": {"tags": ["first"]}},
                {"type": "action", "action": "tag_order", "params": {"tags": ["second"]}},
            ],
        },
    )
    make_automation(store, _tagging("order.created", "tag_order", ["other"]))
    run_jobs()  # the install's own jobs first
    apply_order(store, order_record(platform_id="6001", customer=customer_record(platform_id="7")))
    db.session.commit()
    fake.calls.clear()
    fake.script = ["400"]
    run_jobs()
    assert _tags_added(fake)[1:] == [{"id": "gid://shopify/Order/6001", "tags": ["other"]}]
    failed = db.session.scalar(select(Run).where(Run.automation_id == both.id))
    steps = db.session.scalars(
        select(RunStep).where(RunStep.run_id == failed.id).order_by(RunStep.step)
    ).all()
    assert failed.status == "failed" and failed.error
    assert [(s.kind, s.status) for s in steps] == [
        ("tag_customer", "failed"),
        ("tag_order", "not run"),
    ]
    assert effects(store) == 1


def test_a_batched_note_lands_once_and_a_refused_one_fails_its_run_with_the_reason(
    fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given an automation tagging the order then noting it (its last step, taken by the batch),
    when an order Shopify knows and one it does not arrive, then the known order gets the note
    once, with its marker; the unknown order's run fails at the note with Shopify's reason, its
    tag step stays done, and only applied effects stay in the ledger."""
    store = installed(fake, SHOP)
    make_automation(
        store,
        {
            "trigger": {"event": "order.created"},
            "steps": [
                {"type": "action", "action": "tag_order", "params": {"tags": ["seen"]}},
                {
                    "type": "action",
                    "action": "order_note",
                    "params": {"note": "Hi {{ order.name }}"},
                },
            ],
        },
    )
    run_jobs()  # the install's own jobs first
    known = "gid://shopify/Order/820982911946154508"
    fake.missing_orders.add("gid://shopify/Order/404404")
    for pid in ("820982911946154508", "404404"):
        apply_order(store, order_record(platform_id=pid, name=f"#{pid[:4]}"))
    db.session.commit()
    fake.calls.clear()
    run_jobs()
    note = r"Gift wrap please\nHi #8209 \[ecomapp:[0-9a-f]{12}\]"
    assert re.fullmatch(note, fake.order_notes[known]) and len(fake.order_notes) == 1
    runs = {r.order_id: r for r in db.session.scalars(select(Run))}
    failed = [r for r in runs.values() if r.status == "failed"]
    assert len(runs) == 2 and len(failed) == 1 and "not found on Shopify" in failed[0].error
    steps = db.session.scalars(
        select(RunStep).where(RunStep.run_id == failed[0].id).order_by(RunStep.step)
    ).all()
    assert [(s.kind, s.status) for s in steps] == [("tag_order", "done"), ("order_note", "failed")]
    assert effects(store) == 3  # two tags, one note
    updates = [c for c in fake.calls if c.get("op") == "orderUpdate"]
    assert len(updates) == 1
