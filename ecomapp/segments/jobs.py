"""Segment jobs: first computation, nightly refresh (RFM, then every segment), event batches."""

from __future__ import annotations

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import Event, Order, Segment, Store
from ecomapp.models.types import utcnow as clock_now
from ecomapp.segments.membership import recompute
from ecomapp.segments.rfm import score_store

NIGHTLY = "ecomapp.segments.jobs:nightly"
COMPUTE = "ecomapp.segments.jobs:compute_segment"
SUBSCRIBER = "ecomapp.segments.jobs:on_events"
# The events after which a customer's facts (and so their segments) may have changed.
WATCHED = frozenset(
    {
        "customer.created",
        "customer.updated",
        "customer.consent_changed",
        "customer.spend_changed",
        "order.created",
        "order.paid",
        "order.updated",
        "order.cancelled",
        "order.fulfilled",
        "order.refunded",
    }
)


def _segments(store_id: int) -> list[Segment]:
    stmt = select(Segment).where(Segment.store_id == store_id).order_by(Segment.id)
    return list(db.session.scalars(stmt))


def compute_segment(segment_id: int) -> None:
    """Compute one segment's members now (after it was created or its rules changed)."""
    segment = db.session.get(Segment, segment_id)
    if segment is not None:
        recompute(segment, clock_now())


def refresh_store(store_id: int) -> None:
    """Score RFM groups, then recompute every segment of the store over all its customers."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    now = clock_now()
    score_store(store_id, now)
    db.session.commit()
    for segment in _segments(store_id):
        recompute(segment, now)


def nightly() -> None:
    """Queue one refresh per active store (a periodic job)."""
    for store in db.session.scalars(select(Store).order_by(Store.id)):
        if store.is_active:
            enqueue_after_commit("ecomapp.segments.jobs:refresh_store", store.id, store_id=store.id)
    db.session.commit()


def touched_customers(store_id: int, event_ids: list[int]) -> list[int]:
    """Return the ids of the customers the events are about (directly or through an order)."""
    events = db.session.execute(
        select(Event.subject_type, Event.subject_id).where(
            Event.store_id == store_id, Event.id.in_(event_ids)
        )
    ).all()
    ids = {sid for kind, sid in events if kind == "customer" and sid}
    orders = [sid for kind, sid in events if kind == "order" and sid]
    if orders:
        ids |= set(
            db.session.scalars(
                select(Order.customer_id).where(
                    Order.store_id == store_id, Order.id.in_(orders), Order.customer_id.is_not(None)
                )
            )
        )
    return sorted(i for i in ids if i is not None)


def on_events(store_id: int, event_ids: list[int]) -> None:
    """Recompute every segment of the store for the customers a batch of events touched."""
    customers = touched_customers(store_id, event_ids)
    if not customers:
        return
    now = clock_now()
    for segment in _segments(store_id):
        recompute(segment, now, customers)
