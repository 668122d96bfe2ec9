"""A small store with known fraud labels, shared by the backtest tests (CLI and panel)."""

from __future__ import annotations

from datetime import UTC, datetime

from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.mirror.records import AddressRecord
from ecomapp.models import Store
from tests.factories import make_order, make_store

FEB = datetime(2026, 2, 10, tzinfo=UTC)


def places(billing: str, shipping: str) -> list[AddressRecord]:
    """Return a billing and a shipping address in the given countries."""
    return [
        AddressRecord(kind="billing", name="A B", zip="10001", country_code=billing),
        AddressRecord(kind="shipping", name="A B", zip="10001", country_code=shipping),
    ]


def labelled_store(time_machine: TimeMachineFixture) -> Store:
    """Return a store of 25 ordinary orders, a gift shipped abroad and two frauds (cancelled
    as fraud: 1,500.00 first orders from a Nigerian IP, billed in CA, shipped to the US)."""
    time_machine.move_to(datetime(2026, 3, 1, tzinfo=UTC), tick=False)
    store = make_store()
    for i in range(25):
        make_order(store, total_price="60.00", client_ip=f"12.0.0.{i + 1}", placed_at=FEB)
    make_order(store, total_price="70.00", addresses=places("US", "GB"), placed_at=FEB)
    for i in range(2):
        make_order(
            store,
            total_price="1500.00",
            client_ip=f"197.210.0.{i + 1}",
            addresses=places("CA", "US"),
            cancel_reason="fraud",
            placed_at=FEB,
        )
    db.session.commit()
    return store
