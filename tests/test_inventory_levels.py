"""Inventory records through the demo door: whole-variant stock as before, or per location."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.mirror.products import apply_inventory
from ecomapp.mirror.records import InventoryRecord
from ecomapp.models import Event, InventoryLevel, Store, Variant
from tests import services
from tests.automation_support import deliver
from tests.factories import make_product, make_store

AT = datetime(2026, 3, 1, 10, tzinfo=UTC)


def _changes() -> list[Event]:
    stmt = select(Event).where(Event.type == "inventory.changed").order_by(Event.id)
    return list(db.session.scalars(stmt))


def test_stock_without_location_sets_the_variant_as_before(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a variant at 10, when a location-less record says 4 (as WooCommerce and the demo
    send), then the stock is 4, no level row exists and one event says 10 → 4 under the
    same dedupe key as before locations existed."""
    store = make_store()
    variant = make_product(store, stock=10, threshold=5).variants[0]
    deliver(
        store,
        "inventory",
        InventoryRecord(4, variant_platform_id=variant.platform_id, updated_at=AT),
    )
    run_jobs()
    (event,) = _changes()
    assert db.session.get(Variant, variant.id).inventory_quantity == 4
    assert db.session.scalar(select(func.count()).select_from(InventoryLevel)) == 0
    assert (event.data["previous"], event.data["available"], event.data["threshold"]) == (10, 4, 5)
    assert event.dedupe_key == f"inventory:{variant.platform_id}:10->4:20260301T100000000000"


def test_stock_with_location_is_summed_on_any_platform(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a demo variant at 10, when records for locations a (6) and b (3) arrive, then the
    stock is 9: the per-location behaviour lives in the mirror, not in one platform."""
    store = make_store()
    variant = make_product(store, stock=10).variants[0]
    for location, level in (("a", 6), ("b", 3)):
        record = InventoryRecord(
            level, variant_platform_id=variant.platform_id, updated_at=AT, location_id=location
        )
        deliver(store, "inventory", record)
    run_jobs()
    assert db.session.get(Variant, variant.id).inventory_quantity == 9
    assert [(e.data["previous"], e.data["available"]) for e in _changes()] == [(10, 6), (6, 9)]


@pytest.mark.skipif(not services.TEST_DATABASE_URL, reason="row locks need PostgreSQL")
def test_two_locations_applied_at_once_both_count(app: Flask) -> None:
    """Given a variant, when a worker applies location b while another transaction has applied
    location a but not committed yet, then the worker waits and the stock is a + b."""
    store = make_store()
    variant = make_product(store, stock=10).variants[0]
    store_id, pid = store.id, variant.platform_id
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            try:
                rec = InventoryRecord(3, variant_platform_id=pid, updated_at=AT, location_id="b")
                apply_inventory(db.session.get(Store, store_id), rec)
                db.session.commit()
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    apply_inventory(store, InventoryRecord(6, variant_platform_id=pid, location_id="a"))
    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(0.3)  # let the worker reach the variant's lock while a is uncommitted
    db.session.commit()
    thread.join()
    db.session.expire_all()
    assert not errors and db.session.get(Variant, variant.id).inventory_quantity == 9
