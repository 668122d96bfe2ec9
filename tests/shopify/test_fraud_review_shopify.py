"""The fraud review queue on Shopify: Approve releases the hold, Cancel cancels as fraud."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from ecomapp.extensions import db
from ecomapp.models import RiskVerdict
from tests.automation_support import login
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.fraud_support import calls, held_order, store_holding_high_risk


def test_approve_releases_the_hold_and_cancel_cancels_with_restock_as_fraud(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given two held orders, when the merchant approves one and cancels the other, then
    Shopify gets fulfillmentOrderReleaseHold for the first order's held fulfillment order and
    one orderCancel (FRAUD, restock, refund) for the second, and both decisions are kept."""
    store = store_holding_high_risk(fake, run_jobs)
    good = held_order(client, run_jobs, 5001, "traveller@example.net")
    bad = held_order(client, run_jobs, 5002, "thief@example.net")
    csrf = login(client, store)
    headers = {"X-CSRF-Token": csrf}

    approved = client.post(f"/fraud/{good.id}/approve", headers=headers)
    cancelled = client.post(f"/fraud/{bad.id}/cancel", headers=headers)

    assert approved.status_code == 200 and cancelled.status_code == 200
    (release,) = calls(fake, "fulfillmentOrderReleaseHold")
    good_fos = fake.fulfillment_orders["gid://shopify/Order/5001"]
    assert release["variables"] == {"id": good_fos[0]["id"]} and good_fos[0]["status"] == "OPEN"
    (cancel,) = calls(fake, "orderCancel")
    sent = cancel["variables"]
    assert sent["orderId"] == "gid://shopify/Order/5002"
    assert (sent["reason"], sent["restock"], sent["notifyCustomer"]) == ("FRAUD", True, False)
    assert sent["refundMethod"] == {"originalPaymentMethodsRefund": True}
    assert "gid://shopify/Order/5002" in fake.cancelled
    db.session.expire_all()
    assert db.session.get(RiskVerdict, good.id).decision == "approved"
    assert db.session.get(RiskVerdict, bad.id).decision == "fraud"


def test_a_cancel_shopify_refuses_leaves_the_order_awaiting_review(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a held order the merchant already cancelled in Shopify's admin, when Cancel is
    pressed, then Shopify's refusal is shown (409) and the order stays in the queue."""
    store = store_holding_high_risk(fake, run_jobs)
    verdict = held_order(client, run_jobs, 5003, "thief@example.net")
    fake.cancelled["gid://shopify/Order/5003"] = {"reason": "FRAUD"}
    csrf = login(client, store)

    reply = client.post(f"/fraud/{verdict.id}/cancel", headers={"X-CSRF-Token": csrf})

    assert reply.status_code == 409
    assert "already been cancelled" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RiskVerdict, verdict.id).decision == "held"
