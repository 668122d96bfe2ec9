"""Shopify's own risk verdict (orders/risk_assessment_changed) is an input, never overwritten."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from time_machine import TimeMachineFixture

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.mirror.records import AddressRecord
from ecomapp.models import Order, RiskVerdict
from tests.automation_support import make_automation
from tests.factories import customer_record, make_order
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.shopify.support import deliver, installed

SHOP = "super-toys.myshopify.com"
ORDER_ID = 820982911946154508


def _assessment(level: str, provider_id: int | None = None) -> bytes:
    body: dict[str, Any] = fixture("orders_risk_assessment_changed.json")
    body |= {"risk_level": level, "order_id": ORDER_ID, "provider_id": provider_id}
    body["admin_graphql_api_order_id"] = f"gid://shopify/Order/{ORDER_ID}"
    body["created_at"] = "2026-11-20T10:00:00-05:00"
    return json.dumps(body).encode()


def test_shopify_verdict_is_kept_rescores_the_order_and_survives_updates(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a repeat customer's ordinary order screened as passed, when Shopify's own
    assessment says high, then the order keeps it, the verdict is re-scored with the reason
    and enters the queue as flagged; a later orders/updated and another app's low assessment
    leave Shopify's verdict as it was."""
    store = installed(fake, SHOP)
    sample = fixture("orders_create.json")
    known = customer_record(platform_id=str(sample["customer"]["id"]))
    home = {k: sample["shipping_address"][k] for k in ("name", "address1", "zip", "province")}
    places = [AddressRecord(kind=k, country_code="US", **home) for k in ("billing", "shipping")]
    when = datetime(2021, 6, 1, tzinfo=UTC)
    for total in ("390.00", "420.00"):
        make_order(store, customer=known, total_price=total, addresses=places, placed_at=when)
    for _ in range(30):
        make_order(store, total_price="60.00")
    run_jobs()
    make_automation(store, build_recipe("flag_suspicious_orders", {"flag_at": "medium"})[1])
    assert deliver(client, "orders/create", json.dumps(sample).encode(), SHOP).status_code == 200
    run_jobs()
    order = db.session.scalar(select(Order).where(Order.platform_id == str(ORDER_ID)))
    verdict = db.session.scalar(select(RiskVerdict).where(RiskVerdict.order_id == order.id))
    assert verdict.decision == "passed"

    topic = "orders/risk_assessment_changed"
    assert deliver(client, topic, _assessment("HIGH"), SHOP).status_code == 200
    run_jobs()
    updated = fixture("orders_updated.json") | {"id": ORDER_ID}
    updated["admin_graphql_api_id"] = f"gid://shopify/Order/{ORDER_ID}"
    assert deliver(client, "orders/updated", json.dumps(updated).encode(), SHOP).status_code == 200
    assert deliver(client, topic, _assessment("LOW", provider_id=4242), SHOP).status_code == 200
    run_jobs()

    db.session.expire_all()
    assert db.session.get(Order, order.id).platform_risk == "high"
    verdict = db.session.get(RiskVerdict, verdict.id)
    assert "the platform's own risk assessment is high" in verdict.reasons
    assert verdict.decision == "flagged" and verdict.level in ("medium", "high")


def test_malformed_assessment_is_refused_naming_the_field(
    client: FlaskClient, fake: FakeShopify
) -> None:
    """Given a signed assessment whose GraphQL id names another order, then 400 naming it."""
    installed(fake, SHOP)
    body = json.loads(_assessment("HIGH"))
    body["admin_graphql_api_order_id"] = "gid://shopify/Order/1"
    reply = deliver(client, "orders/risk_assessment_changed", json.dumps(body).encode(), SHOP)
    assert reply.status_code == 400
    assert "admin_graphql_api_order_id" in reply.get_data(as_text=True)


def test_refund_noted_as_fraud_is_kept_as_evidence(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given an order, when orders/updated carries a refund whose note names fraud, then the
    mirror keeps `refund` as fraud evidence (the backtest's label)."""
    store = installed(fake, SHOP)
    updated = fixture("orders_updated.json") | {"id": ORDER_ID}
    updated["admin_graphql_api_id"] = f"gid://shopify/Order/{ORDER_ID}"
    updated["refunds"] = [{"id": 9, "note": "Fraud: card reported stolen", "transactions": []}]
    assert deliver(client, "orders/updated", json.dumps(updated).encode(), SHOP).status_code == 200
    run_jobs()

    order = db.session.scalar(select(Order).where(Order.store_id == store.id))
    assert order.fraud_evidence == "refund"


def test_fraudulent_chargeback_labels_the_backtest(
    client: FlaskClient,
    fake: FakeShopify,
    runner: FlaskCliRunner,
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
) -> None:
    """Given a mirrored order, when disputes/create says chargeback, fraudulent, then the order
    keeps `chargeback` as fraud evidence and the backtest counts it as known fraud; a dispute
    for another reason labels nothing."""
    time_machine.move_to(datetime(2022, 1, 5, tzinfo=UTC), tick=False)
    store = installed(fake, SHOP)
    body = fixture("orders_create.json")
    assert deliver(client, "orders/create", json.dumps(body).encode(), SHOP).status_code == 200
    run_jobs()
    other = fixture("disputes_create.json") | {"id": 7, "reason": "product_not_received"}
    for dispute in (other, fixture("disputes_create.json")):
        reply = deliver(client, "disputes/create", json.dumps(dispute).encode(), SHOP)
        assert reply.status_code == 200
        run_jobs()
        if dispute is other:
            assert db.session.scalar(select(Order.fraud_evidence)) is None

    result = runner.invoke(args=["fraud-backtest", str(store.id), "--days", "30"])

    db.session.expire_all()
    assert db.session.scalar(select(Order.fraud_evidence)) == "chargeback"
    assert result.output.splitlines()[0] == "1 orders in 30 days, 1 known fraud"
