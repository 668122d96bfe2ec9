"""A delivery travels door → inbox → job → mirror → canonical events, exactly once."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.models import Customer, Event, InboxDelivery, Order
from ecomapp.platforms.demo_payloads import to_payload
from ecomapp.webhooks.inbox import record_delivery
from tests.factories import make_store, order_record


def _deliver(store_id: int, external_id: str, record: object) -> bool:
    body = json.dumps(to_payload(record)).encode()
    _, created = record_delivery("demo", external_id, "order", body, store_id=store_id)
    return created


def test_order_delivery_reaches_mirror_and_emits_events(run_jobs: Callable[[], None]) -> None:
    """Given a demo order delivery, when jobs run, then the order, customer and events exist."""
    store = make_store()
    rec = order_record(total_price="120.00")
    assert _deliver(store.id, "d-1", rec)
    run_jobs()
    order = db.session.scalar(select(Order).where(Order.platform_id == rec.platform_id))
    assert order is not None and str(order.total_price) == "120.00"
    customer = db.session.get(Customer, order.customer_id)
    assert customer.orders_count == 1 and str(customer.total_spent) == "120.00"
    types = set(db.session.scalars(select(Event.type).where(Event.store_id == store.id)))
    assert {"customer.created", "order.created", "order.paid", "customer.spend_changed"} <= types
    assert db.session.scalar(select(InboxDelivery.status)) == "done"


def test_duplicate_delivery_is_acknowledged_and_processed_once(
    run_jobs: Callable[[], None],
) -> None:
    """Given the same delivery twice, then one inbox row and one order.created exist."""
    store = make_store()
    rec = order_record()
    assert _deliver(store.id, "dup", rec)
    assert not _deliver(store.id, "dup", rec)
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(InboxDelivery)) == 1
    created = select(func.count()).where(Event.type == "order.created")
    assert db.session.scalar(created) == 1


def test_older_version_never_overwrites_newer(run_jobs: Callable[[], None]) -> None:
    """Given a newer then an older version of an order, then the mirror keeps the newer."""
    store = make_store()
    newer = order_record(platform_id="77", total_price="80.00")
    older = order_record(platform_id="77", total_price="10.00", customer=newer.customer)
    older.updated_at = newer.updated_at.replace(year=2025)
    _deliver(store.id, "n", newer)
    _deliver(store.id, "o", older)
    run_jobs()
    order = db.session.scalar(select(Order).where(Order.platform_id == "77"))
    assert str(order.total_price) == "80.00"


def test_subscribers_get_only_the_event_types_they_asked_for(app: Flask) -> None:
    """Given the mailer (order.created, consent; batched) and the engine (every event, one job
    per store), when a cart event and three order.created events are emitted, then only the
    engine's store job is queued; when it runs, the mailer and segments each get one job with the
    three order events of the batch, and nothing for the cart."""
    from ecomapp.automation.batch import process_store_events
    from ecomapp.events import emit
    from ecomapp.jobs import get_queue

    store = make_store()
    emit(store.id, "cart.updated", "cart", None, {}, "cart-1")
    db.session.commit()
    paths = [job.args[0] for job in get_queue().get_jobs()]
    assert paths == ["ecomapp.automation.batch:process_store_events"]
    orders = [emit(store.id, "order.created", "order", None, {}, f"order-{n}") for n in range(3)]
    db.session.commit()
    assert [job.args[0] for job in get_queue().get_jobs()] == paths
    get_queue().empty()
    process_store_events(store.id)
    jobs = [list(job.args[:2]) for job in get_queue().get_jobs()]
    ids = [e.id for e in orders if e is not None]
    # One job per subscriber per batch (mail attribution, push attribution, segments, …).
    assert ["ecomapp.mail.subscribers:on_events", [store.id, ids]] in jobs
    assert ["ecomapp.segments.jobs:on_events", [store.id, ids]] in jobs
    assert all(args == [store.id, ids] for _, args in jobs) and len(jobs) == len(
        {p for p, _ in jobs}
    )
