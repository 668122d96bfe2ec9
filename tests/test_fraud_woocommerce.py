"""Fraud screening on WooCommerce, from the signed webhook to the loopback store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from time_machine import TimeMachineFixture

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.models import Order, RiskVerdict, Store
from tests.automation_support import login, make_automation
from tests.factories import make_order
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running

TORONTO = {"address_1": "1 Bay St", "city": "Toronto", "state": "ON", "postcode": "M5J 2N8"}


@pytest.fixture
def fake(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a loopback store connected to the app, with our webhooks created on it."""
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        yield store


def _arrives(client: FlaskClient, fake: FakeWooStore, payload: dict[str, object]) -> None:
    """Store the order and deliver what WooCommerce sends for it: created, then updated."""
    fake.add("orders", payload)
    for topic in ("order.created", "order.updated"):
        assert deliver(client, hook_for(fake, topic), payload).status_code == 200


def test_mismatched_high_value_first_order_is_put_on_hold_with_a_note_once(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given the hold recipe on a store of 60.00 orders and a failed order from the same
    e-mail half an hour earlier, when a 1,240.00 order billed in CA and shipped to FR from a
    Nigerian IP arrives (created and updated), then it is on-hold with one private note
    listing the reasons, and the verdict is kept as held."""
    store = db.session.scalar(select(Store).where(Store.platform == "woocommerce"))
    for _ in range(30):
        make_order(store, total_price="60.00")
    early = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    _arrives(client, fake, wc.order(800, status="failed", email="eve@example.net", created=early))
    run_jobs()
    make_automation(store, build_recipe("hold_high_risk_orders", {})[1])

    payload = wc.order(
        801, email="eve@example.net", lines=[wc.line_item(11, 41, "Espresso", 1, 1235.0)]
    )
    payload["billing"] = payload["billing"] | TORONTO | {"country": "CA"}
    payload["customer_ip_address"] = "197.210.0.10"
    _arrives(client, fake, payload)
    run_jobs()

    assert fake.orders[801]["status"] == "on-hold"
    risk_notes = [n["note"] for oid, n in fake.notes if oid == 801 and "risk high" in n["note"]]
    assert len(risk_notes) == 1
    assert "billing country CA, shipping country FR" in risk_notes[0]
    assert "1 failed payment attempt before this order" in risk_notes[0]
    assert "IP country NG, billing country CA, shipping country FR" in risk_notes[0]
    assert all(n.get("customer_note") is False for oid, n in fake.notes if oid == 801)
    verdict = db.session.scalar(select(RiskVerdict).where(RiskVerdict.store_id == store.id))
    assert (verdict.level, verdict.decision) == ("high", "held")


def _held(client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None], oid: int) -> int:
    """Deliver a mismatched 1,240.00 first order from a Nigerian IP; return its verdict id."""
    payload = wc.order(
        oid, email=f"buyer{oid}@example.net", lines=[wc.line_item(oid, 41, "Espresso", 2, 620.0)]
    )
    payload["billing"] = payload["billing"] | TORONTO | {"country": "CA"}
    payload["customer_ip_address"] = "197.210.0.10"
    _arrives(client, fake, payload)
    run_jobs()
    verdict = db.session.scalar(
        select(RiskVerdict).join(Order).where(Order.platform_id == str(oid))
    )
    assert verdict is not None and verdict.decision == "held"
    return verdict.id


def test_queue_approve_sets_processing_and_cancel_sets_cancelled_with_restock(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given two held orders, when the merchant approves one and cancels the other in the
    queue, then the store has the first back in processing and the second cancelled, its two
    units restocked and a private note saying why; the labels are kept."""
    store = db.session.scalar(select(Store).where(Store.platform == "woocommerce"))
    for _ in range(30):
        make_order(store, total_price="60.00")
    run_jobs()
    make_automation(store, build_recipe("hold_high_risk_orders", {})[1])
    good, bad = _held(client, fake, run_jobs, 811), _held(client, fake, run_jobs, 812)
    headers = {"X-CSRF-Token": login(client, store)}

    assert client.post(f"/fraud/{good}/approve", headers=headers).status_code == 200
    assert client.post(f"/fraud/{bad}/cancel", headers=headers).status_code == 200

    assert fake.orders[811]["status"] == "processing"
    assert fake.orders[812]["status"] == "cancelled" and fake.restocked == [(41, 2)]
    notes = [n for oid, n in fake.notes if oid == 812 and "Cancelled as fraud" in n["note"]]
    assert len(notes) == 1 and notes[0]["customer_note"] is False
    db.session.expire_all()
    assert db.session.get(RiskVerdict, good).decision == "approved"
    assert db.session.get(RiskVerdict, bad).decision == "fraud"


def test_order_refunded_as_fraud_labels_the_backtest(
    client: FlaskClient,
    fake: FakeWooStore,
    runner: FlaskCliRunner,
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
) -> None:
    """Given an order, when WooCommerce sends it refunded with a reason naming fraud, then the
    mirror keeps the evidence and the backtest counts it as known fraud; a refund for another
    reason is not fraud."""
    time_machine.move_to(datetime(2026, 11, 25, tzinfo=UTC), tick=False)
    store = db.session.scalar(select(Store).where(Store.platform == "woocommerce"))
    fraud = [{"id": 5, "reason": "Fraudulent order (stolen card)", "total": "-40.00"}]
    other = [{"id": 6, "reason": "Wrong size", "total": "-10.00"}]
    _arrives(client, fake, wc.order(821, status="refunded", refunds=fraud))
    _arrives(client, fake, wc.order(822, status="refunded", refunds=other))
    run_jobs()

    result = runner.invoke(args=["fraud-backtest", str(store.id), "--days", "30"])

    evidence = dict(
        db.session.execute(
            select(Order.platform_id, Order.fraud_evidence).where(Order.store_id == store.id)
        ).all()
    )
    assert evidence == {"821": "refund", "822": None}
    assert result.output.splitlines()[0] == "2 orders in 30 days, 1 known fraud"
