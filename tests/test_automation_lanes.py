"""Lanes: a store's pending events split by customer so two workers share one store's backlog."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select, text

from ecomapp.automation.batch import (
    BATCH_SIZE,
    JOB,
    LANES,
    LOCK_CLASS,
    customer_lane,
    process_store_events,
)
from ecomapp.extensions import db
from ecomapp.jobs.ingest import ingest_delivery
from ecomapp.jobs.queue import get_queue
from ecomapp.models import Customer, Event, InboxDelivery, Order, PendingEvent, Run
from tests import services
from tests.automation_support import deliver, make_automation
from tests.factories import customer_record, make_store, order_record

TAG_PAID = {
    "trigger": {"event": "order.paid"},
    "conditions": {"all": []},
    "steps": [{"type": "action", "action": "tag_order", "params": {"tags": ["seen"]}}],
}
needs_postgres = pytest.mark.skipif(
    not services.TEST_DATABASE_URL, reason="advisory locks need PostgreSQL"
)


def _customer_id(pid: str) -> int:
    return int(db.session.scalar(select(Customer.id).where(Customer.platform_id == pid)))


def _runs_of(pid: str) -> list[int]:
    stmt = (
        select(Run.id)
        .join(Order, Order.id == Run.order_id)
        .join(Customer, Customer.id == Order.customer_id)
        .where(Customer.platform_id == pid)
        .order_by(Run.id)
    )
    return list(db.session.scalars(stmt))


def _deliver_orders(store: object, pids: list[str]) -> None:
    for pid in pids:
        for _ in range(2):
            record = order_record(customer=customer_record(platform_id=pid), total_price="80.00")
            deliver(store, "order", record)  # type: ignore[arg-type]


def test_a_customers_events_share_the_lane_of_the_customer(app: Flask) -> None:
    """Given two customers with two orders each, when their deliveries are ingested, then
    every pending event of an order or of the customer sits in the customer's lane."""
    store = make_store()
    _deliver_orders(store, ["lane-a", "lane-b"])
    for delivery_id in db.session.scalars(select(InboxDelivery.id).order_by(InboxDelivery.id)):
        ingest_delivery(delivery_id)
    for pid in ("lane-a", "lane-b"):
        customer_id = _customer_id(pid)
        orders = select(Order.id).where(Order.customer_id == customer_id)
        stmt = (
            select(PendingEvent.lane, Event.type)
            .join(Event, Event.id == PendingEvent.event_id)
            .where(
                ((Event.subject_type == "order") & Event.subject_id.in_(orders))
                | ((Event.subject_type == "customer") & (Event.subject_id == customer_id))
            )
        )
        rows = db.session.execute(stmt).all()
        assert {row.type for row in rows} >= {"order.created", "order.paid"}
        assert {row.lane for row in rows} == {customer_lane(customer_id)}


@needs_postgres
def test_a_busy_lane_leaves_the_other_customers_to_this_worker(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given another worker holding customer A's lane, when the store's batch job runs, then
    customer B's orders get their runs and A's events stay pending; when A's lane is free,
    the next job runs A's orders in the order they came."""
    store = make_store()
    make_automation(store, TAG_PAID)
    _deliver_orders(store, ["busy-a", "free-b"])
    for delivery_id in db.session.scalars(select(InboxDelivery.id).order_by(InboxDelivery.id)):
        ingest_delivery(delivery_id)
    a_lane = customer_lane(_customer_id("busy-a"))
    assert customer_lane(_customer_id("free-b")) != a_lane
    with db.engine.connect() as other:  # the other worker, mid-batch on lane A
        key = store.id * LANES + a_lane
        other.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": LOCK_CLASS, "k": key})
        run_jobs()
        assert len(_runs_of("free-b")) == 2 and _runs_of("busy-a") == []
        lanes = db.session.scalars(
            select(PendingEvent.lane).where(PendingEvent.store_id == store.id)
        )
        assert set(lanes) == {a_lane}
        other.rollback()
    process_store_events(store.id)
    db.session.commit()
    runs = db.session.scalars(select(Run).where(Run.id.in_(_runs_of("busy-a")))).all()
    assert len(runs) == 2 and runs[0].event_id < runs[1].event_id
    assert db.session.scalar(select(PendingEvent.event_id)) is None


@needs_postgres
def test_a_backlog_over_lanes_calls_a_second_worker(app: Flask) -> None:
    """Given more than one batch of pending events over two lanes, when the store's job starts,
    then it queues one more job for the store so a second worker can take the other lane."""
    store = make_store()
    for n in range(BATCH_SIZE + 1):
        event = Event(
            store_id=store.id,
            type="customer.updated",
            subject_type="customer",
            subject_id=1 + n % 2,
            data={},
            dedupe_key=f"backlog-{n}",
        )
        db.session.add(event)
    db.session.commit()
    get_queue().empty()
    assert process_store_events(store.id) == BATCH_SIZE + 1
    queued = [job.args[0] for job in get_queue().get_jobs()]
    assert queued.count(JOB) == 1  # beside it: the batch subscribers' jobs (segments, …)
