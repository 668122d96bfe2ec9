"""An order's verdict is the same whether its facts are loaded alone (the action) or in a
batch (backtests), and stays the known one on a fixture store (a guard for the facts' SQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import event

from ecomapp.automation.fraud_screening import score_stored_order
from ecomapp.extensions import db
from ecomapp.insights.fraud import score_order
from ecomapp.insights.fraud.mirror_facts import load_order_facts
from ecomapp.mirror.records import AddressRecord
from ecomapp.models import Store
from tests.factories import customer_record, make_order, make_store

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _places(
    line: str = "1 Elm St", zip_: str = "97201", bill: str = "US", ship: str = "US", **more: Any
) -> list[AddressRecord]:
    kept = dict(name="Pat Doe", address1=line, zip=zip_, province="OR") | more
    return [
        AddressRecord(kind="billing", country_code=bill, **kept),
        AddressRecord(kind="shipping", country_code=ship, **kept),
    ]


def _routine(store: Store) -> list[int]:
    """Twenty-four earlier orders of distinct customers, 20.00 to 66.00, over the last days."""
    return [
        make_order(
            store,
            total_price=Decimal(20 + 2 * i),
            placed_at=NOON - timedelta(days=3, hours=i),
            client_ip=f"81.2.69.{i + 10}",
            addresses=_places(line=f"{i} Oak Ave", phone=f"+1555000{i:04d}"),
        ).id
        for i in range(24)
    ]


def _cases(store: Store) -> dict[str, int]:
    """Orders that each make some signal fire, placed at noon."""
    regular = customer_record(email="regular@example.com", platform_id="reg")
    for days in (30, 20):
        make_order(
            store, customer=regular, placed_at=NOON - timedelta(days=days), addresses=_places()
        )
    far = _places("9 Far Rd", "10001")
    earlier = NOON - timedelta(days=9)
    make_order(store, customer=regular, cancelled_at=NOON, placed_at=earlier, addresses=far)
    moved = make_order(store, customer=regular, total_price="400.00", placed_at=NOON, addresses=far)
    big = make_order(store, total_price="900.00", placed_at=NOON, client_ip="81.2.69.200")
    shared = dict(client_ip="197.210.0.53", payment_card="4111-xx-1111", placed_at=NOON)
    failed = dict(payment_failures=3, financial_status="pending")
    make_order(store, **failed, **shared, addresses=_places(phone="+15554193416"))
    make_order(store, **(shared | {"placed_at": NOON - timedelta(minutes=20)}))
    burst = make_order(store, **shared, addresses=_places(bill="GB", phone="+15554193416"))
    upper = customer_record(email="REGULAR@Example.com", platform_id="reg-2")
    same_mail = make_order(store, customer=upper, placed_at=NOON + timedelta(minutes=5))
    return {"moved": moved.id, "big": big.id, "burst": burst.id, "same_mail": same_mail.id}


def _verdicts(store: Store, ids: list[int], one_by_one: bool) -> dict[int, tuple[Any, ...]]:
    if one_by_one:
        facts = {oid: load_order_facts(store.id, [oid])[oid] for oid in ids}
    else:
        facts = load_order_facts(store.id, ids)
    scored = {oid: score_order(f) for oid, f in facts.items()}
    return {oid: (v.score, v.level.value, v.reasons) for oid, v in scored.items()}


def test_verdicts_alone_and_in_a_batch_are_the_known_ones(app: Flask) -> None:
    """Given a store with routine orders and orders that make signals fire, when each is
    scored alone and all in one batch, then both give the same verdicts, the known ones."""
    store = make_store()
    routine = _routine(store)
    cases = _cases(store)
    ids = [*routine, *cases.values()]

    alone = _verdicts(store, ids, one_by_one=True)
    batch = _verdicts(store, ids, one_by_one=False)

    assert alone == batch
    assert {name: alone[oid] for name, oid in cases.items()} == KNOWN


def test_only_a_first_order_pays_for_ranking_its_value(app: Flask) -> None:
    """Given the fixture store, when the action's path scores a returning customer's order and
    a first order, then the first costs two statements (its row, its past and nearby orders)
    and the second one more (its value ranked among the store's latest orders)."""
    store = make_store()
    _routine(store)
    cases = _cases(store)
    db.session.refresh(store)  # a run has its store loaded
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        returning = score_stored_order(store, cases["moved"])
        returning_statements = len(seen)
        first = score_stored_order(store, cases["big"])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert (returning.score, first.score) == (KNOWN["moved"][0], KNOWN["big"][0])
    assert returning_statements == 2
    assert len(seen) - returning_statements == 3


NO_ATTEMPTS, NO_IP = "missing: payment attempts not reported", "missing: no IP address on the order"
KNOWN = {
    "moved": (
        40,
        "medium",
        [
            "new shipping address 9 Far Rd, 10001, US on 400.00, 8.0x this customer's usual 50.00",
            NO_ATTEMPTS,
            NO_IP,
        ],
    ),
    "big": (
        60,
        "high",
        [
            "first order, 900.00 is above 96% of this store's orders",
            "IP country GB, billing country US, shipping country US",
            NO_ATTEMPTS,
        ],
    ),
    "burst": (
        100,
        "high",
        [
            "billing country GB, shipping country US",
            "1 failed payment attempt before this order",
            "3 orders from IP 197.210.0.53 within an hour",
            "2 orders from phone +15554193416 within an hour",
            "3 orders from card 4111-xx-1111 within an hour",
            "IP country NG, billing country GB, shipping country US",
        ],
    ),
    "same_mail": (
        35,
        "medium",
        ["2 orders from e-mail REGULAR@Example.com within an hour", NO_ATTEMPTS, NO_IP],
    ),
}
