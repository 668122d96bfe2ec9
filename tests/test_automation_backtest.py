"""Backtests replay history by the live engine's rules: same events, same matches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.backtest import simulate
from ecomapp.extensions import db
from ecomapp.mirror.records import AddressRecord
from ecomapp.models import Backtest, Customer, Order, Run
from tests.automation_support import deliver, login, make_automation
from tests.factories import customer_record, make_store, order_record


def _tagging(trigger: str, conditions: list[dict[str, Any]]) -> dict[str, Any]:
    action = "tag_customer" if trigger.startswith("customer.") else "tag_order"
    return {
        "trigger": {"event": trigger},
        "conditions": {"all": conditions},
        "steps": [{"type": "action", "action": action, "params": {"tags": ["seen"]}}],
    }


RULES = {
    "paid": _tagging("order.paid", [{"field": "order.total_price", "op": ">", "value": 20}]),
    "first": _tagging("order.created", [{"field": "order.first_order", "op": "=", "value": True}]),
    "spend": _tagging(
        "customer.spend_changed",
        [{"field": "customer.total_spent", "op": ">=", "value": 150}],
    ),
    "lines": _tagging(
        "order.created",
        [
            {"field": "order.line_items.vendor", "op": "=", "value": "Trailhead"},
            {"field": "order.address_mismatch", "op": "=", "value": True},
        ],
    ),
    "cancelled": _tagging("order.cancelled", []),
    "refunded": _tagging("order.refunded", []),
}


def _history(days_ago: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_ago)


def _deliver_history(store: Any, run_jobs: Callable[[], None]) -> None:
    """Deliver a month of orders of two customers, one at a time as they happened: paid,
    authorized, cancelled, refunded, shipped away."""
    ann, bob = customer_record(), customer_record()
    away = [
        AddressRecord(kind="billing", city="Portland", country_code="US"),
        AddressRecord(kind="shipping", city="Berlin", country_code="DE"),
    ]
    orders = [
        order_record(customer=ann, total_price="120.00", placed_at=_history(20), paid_at=None),
        order_record(
            customer=ann, financial_status="authorized", placed_at=_history(15), total_price="90"
        ),
        order_record(customer=ann, total_price="60.00", placed_at=_history(10), addresses=away),
        order_record(customer=bob, total_price="40.00", placed_at=_history(18)),
        order_record(
            customer=bob, placed_at=_history(12), cancelled_at=_history(11), total_price="300"
        ),
        order_record(
            customer=bob,
            placed_at=_history(8),
            financial_status="refunded",
            total_price="200.00",
            total_refunded="200.00",
        ),
        order_record(customer=bob, total_price="150.00", placed_at=_history(5)),
    ]
    for rec in sorted(orders, key=lambda r: r.placed_at):
        deliver(store, "order", rec)
        run_jobs()


@pytest.mark.parametrize("rule", sorted(RULES))
def test_backtest_matches_exactly_what_the_live_engine_ran(
    run_jobs: Callable[[], None], rule: str
) -> None:
    """Given a month of orders delivered live with an automation switched on (an order paid
    without a payment time, one authorized with one, cancelled and refunded ones), when the
    same automation is backtested over that month, then it matches the same orders as the
    live runs."""
    store = make_store()
    automation = make_automation(store, RULES[rule])
    _deliver_history(store, run_jobs)
    runs = select(Run).where(Run.automation_id == automation.id)
    orders = select(Order.name).join(Run, Run.order_id == Order.id)
    customers = select(Customer.email).join(Run, Run.customer_id == Customer.id)
    live_orders = sorted(db.session.scalars(orders.where(Run.automation_id == automation.id)))
    live_customers = set(db.session.scalars(customers.where(Run.automation_id == automation.id)))
    summary = simulate(store, RULES[rule], 30, datetime.now(UTC))
    assert live_customers, "the rule should fire live at least once"
    assert summary["matched"] == len(db.session.scalars(runs).all())
    if rule != "spend":  # a spend change's subject is the customer, not the order
        assert sorted(summary["orders"]) == live_orders
    assert set(summary["customers"]) == live_customers


def test_backtest_from_the_panel_finishes_and_leaves_the_session_writable(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a month of history, when the merchant backtests from the panel, then the job
    stores its summary (its streamed read leaves no option on the connection) and the store
    can still save automations."""
    store = make_store()
    automation = make_automation(store, RULES[sorted(RULES)[0]])
    _deliver_history(store, run_jobs)
    csrf = login(client, store)
    reply = client.post(
        f"/automations/{automation.id}/backtest",
        data={"days": "30"},
        headers={"X-CSRF-Token": csrf},
    )
    assert reply.status_code == 200
    run_jobs()
    bt = db.session.scalar(select(Backtest))
    assert bt.status == "done" and bt.summary["events"] > 0
    assert make_automation(store, RULES[sorted(RULES)[0]]).id != automation.id
