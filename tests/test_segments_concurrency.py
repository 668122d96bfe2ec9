"""Two workers recomputing one segment at once announce each move once (PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import update

from ecomapp.extensions import db
from ecomapp.jobs.runner import run_job
from ecomapp.models import Customer, Event, Segment
from ecomapp.segments.library import save_segment
from tests import services
from tests.factories import make_store
from tests.segments_support import count, members

WORKERS = 4
pytestmark = pytest.mark.skipif(
    not services.TEST_DATABASE_URL,
    reason="SQLite serialises every writer, so no two computations ever race: needs PostgreSQL",
)


def test_racing_recomputations_announce_each_move_once(app: Flask, run_jobs: object) -> None:
    """Given a computed 'spent 100+' segment and 40 customers who just crossed 100, when four
    workers recompute it at the same moment (nightly and three event batches), then the 40 are
    members once and each has exactly one customer.entered_segment."""
    store = make_store(platform="demo", domain="race.example")
    db.session.add_all(
        Customer(store_id=store.id, platform_id=f"r{i}", orders_count=1, total_spent=Decimal(50))
        for i in range(40)
    )
    db.session.commit()
    rules = {"all": [{"field": "customer.total_spent", "op": ">=", "value": "100"}]}
    segment = save_segment(store, "Hundred club", rules)
    run_jobs()  # type: ignore[operator]
    assert members(segment.id) == set()
    db.session.execute(update(Customer).values(total_spent=Decimal(150)))
    db.session.commit()
    ids = sorted(c.id for c in db.session.scalars(db.select(Customer)))
    start = threading.Barrier(WORKERS)

    def work(n: int) -> str:
        start.wait()
        with app.app_context():  # its own session and connection, as a worker process has
            if n == 0:
                return run_job("ecomapp.segments.jobs:compute_segment", [segment.id])
            event_ids = _events_about(store.id, ids)
            return run_job("ecomapp.segments.jobs:on_events", [store.id, event_ids])

    with ThreadPoolExecutor(WORKERS) as pool:
        statuses = list(pool.map(work, range(WORKERS)))
    assert statuses == ["succeeded"] * WORKERS
    db.session.expire_all()
    assert members(segment.id) == set(ids)
    assert count(Event, Event.type == "customer.entered_segment") == 40
    assert db.session.get(Segment, segment.id).members == 40  # type: ignore[union-attr]


def _events_about(store_id: int, customer_ids: list[int]) -> list[int]:
    """Record customer.updated events for the customers (what an event batch would carry)."""
    from ecomapp.events.bus import emit_many

    stamp = threading.get_ident()
    items = [(cid, {}, f"customer.updated:{cid}:{stamp}") for cid in customer_ids]
    emit_many(store_id, "customer.updated", "customer", items)
    db.session.commit()
    return list(
        db.session.scalars(
            db.select(Event.id).where(Event.dedupe_key.like(f"customer.updated:%:{stamp}"))
        )
    )
