"""The fraud review queue in the panel: reasons shown, Approve releases, Fraud labels."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.mirror.records import AddressRecord
from ecomapp.models import Order, RiskVerdict, Store
from tests.automation_support import deliver, login, make_automation
from tests.factories import make_order, make_store, order_record


def _held_order(store: Store, run_jobs: Callable[[], None], pid: str) -> RiskVerdict:
    """Deliver a mismatched high-value first order from a Nigerian IP; return its verdict."""
    places = [
        AddressRecord(kind="billing", name="Bob", zip="M5J", country_code="CA"),
        AddressRecord(kind="shipping", name="Eve", zip="10001", country_code="US"),
    ]
    deliver(
        store,
        "order",
        order_record(
            platform_id=pid, total_price="1500.00", client_ip="197.210.0.9", addresses=places
        ),
    )
    run_jobs()
    return db.session.scalar(select(RiskVerdict).join(Order).where(Order.platform_id == pid))


def _store(run_jobs: Callable[[], None]) -> Store:
    store = make_store()
    for _ in range(25):
        make_order(store, total_price="50.00")
    run_jobs()
    make_automation(store, build_recipe("hold_high_risk_orders", {})[1])
    return store


def test_held_order_is_listed_with_reasons_and_approve_releases_it(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a held high-risk order, when the merchant opens the queue and approves it, then
    the page listed its reasons, the order is released and the decision is kept."""
    store = _store(run_jobs)
    verdict = _held_order(store, run_jobs, "risky-1")
    assert verdict.decision == "held"
    assert db.session.get(Order, verdict.order_id).status == "on-hold"
    csrf = login(client, store)

    page = client.get("/fraud/").get_data(as_text=True)
    reply = client.post(f"/fraud/{verdict.id}/approve", headers={"X-CSRF-Token": csrf})

    assert "billing country CA, shipping country US" in page and "held" in page
    assert reply.status_code == 200 and "approved" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, verdict.order_id).status == "open"
    assert db.session.get(RiskVerdict, verdict.id).decision == "approved"
    assert "No orders awaiting review." in client.get("/fraud/").get_data(as_text=True)


def test_cancel_as_fraud_cancels_keeps_the_label_and_counts_it_by_month(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a held order, when the merchant cancels it as fraud, then the order is cancelled
    with reason fraud, the label is kept and the month's confirmed-fraud count is 1; a second
    decision is refused."""
    store = _store(run_jobs)
    verdict = _held_order(store, run_jobs, "risky-2")
    csrf = login(client, store)

    reply = client.post(f"/fraud/{verdict.id}/cancel", headers={"X-CSRF-Token": csrf})
    again = client.post(f"/fraud/{verdict.id}/approve", headers={"X-CSRF-Token": csrf})

    assert reply.status_code == 200 and again.status_code == 409
    db.session.expire_all()
    order = db.session.get(Order, verdict.order_id)
    assert (order.status, order.cancel_reason) == ("cancelled", "fraud")
    month = verdict.updated_at.strftime("%Y-%m")
    page = client.get("/fraud/").get_data(as_text=True)
    assert f"<tr><td>{month}</td><td>1</td><td>0</td></tr>" in page
    assert f'data-month="{month}" data-fraud="1"' in page  # the chart's bar


def test_another_stores_verdict_cannot_be_decided(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a held order in another store, when this store's merchant approves its verdict
    id, then the answer is 404 and nothing changes; without a CSRF token, 4xx."""
    other = _store(run_jobs)
    verdict = _held_order(other, run_jobs, "risky-3")
    csrf = login(client, make_store())

    forged = client.post(f"/fraud/{verdict.id}/approve")
    reply = client.post(f"/fraud/{verdict.id}/approve", headers={"X-CSRF-Token": csrf})

    assert 400 <= forged.status_code < 500 and reply.status_code == 404
    assert "billing country CA" not in client.get("/fraud/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RiskVerdict, verdict.id).decision == "held"
