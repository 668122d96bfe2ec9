"""Fraud screening on Shopify, from the signed webhook to the Admin API stand-in."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.mirror.records import AddressRecord
from ecomapp.models import Order, RiskVerdict, Store
from tests.automation_support import make_automation
from tests.factories import customer_record, make_order
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.shopify.support import deliver, installed

SHOP = "super-toys.myshopify.com"
ORDER_GID = "gid://shopify/Order/820982911946154508"
CANADA = {
    "name": "Bob Smith",
    "address1": "1 Bay St",
    "city": "Toronto",
    "zip": "M5J 2N8",
    "province": "Ontario",
    "country_code": "CA",
}


def _store_with_history(
    fake: FakeShopify, run_jobs: Callable[[], None], *earlier: dict[str, Any]
) -> Store:
    """Install the shop with 30 ordinary orders and the earlier ones, then switch on the
    hold recipe."""
    store = installed(fake, SHOP)
    for _ in range(30):
        make_order(store, total_price="60.00")
    for fields in earlier:
        make_order(store, **fields)
    run_jobs()
    make_automation(store, build_recipe("hold_high_risk_orders", {})[1])
    return store


def _calls(fake: FakeShopify, op: str) -> list[dict[str, Any]]:
    return [c for c in fake.calls if c.get("op") == op]


def _suspicious_order() -> bytes:
    payload = fixture("orders_create.json")
    payload["total_price"] = "1240.00"
    payload["billing_address"] = payload["billing_address"] | CANADA
    payload["browser_ip"] = "197.210.0.10"  # Nigeria in the bundled database
    payload["customer"] = payload["customer"] | {"id": 4242, "email": "new@example.net"}
    payload["email"] = "new@example.net"
    failed = {"kind": "sale", "status": "failure"}
    payload["transactions"] = [failed, failed, {"kind": "sale", "status": "success"}]
    return json.dumps(payload).encode()


def test_mismatched_high_value_first_order_is_assessed_tagged_and_held_once(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given the hold recipe on a store of 60.00 orders, when a signed orders/create of a
    1,240.00 first order billed in CA, shipped to the US from a Nigerian IP after two failed
    payments arrives twice, then Shopify gets one HIGH assessment with those reasons, the
    order is tagged and its open fulfillment order held once, and the verdict is kept."""
    store = _store_with_history(fake, run_jobs)
    body = _suspicious_order()
    assert deliver(client, "orders/create", body, SHOP, event_id="evt-1").status_code == 200
    assert deliver(client, "orders/create", body, SHOP, event_id="evt-1").status_code == 200
    run_jobs()

    (risk,) = _calls(fake, "orderRiskAssessmentCreate")
    sent = risk["variables"]["input"]
    assert sent["orderId"] == ORDER_GID and sent["riskLevel"] == "HIGH"
    facts = [f["description"] for f in sent["facts"]]
    assert "billing country CA, shipping country US" in facts
    assert "first order, 1,240.00 is above 96% of this store's orders" in facts
    assert "2 failed payment attempts before this order" in facts
    assert "IP country NG, billing country CA, shipping country US" in facts
    (tags,) = _calls(fake, "tagsAdd")
    assert tags["variables"] == {"id": ORDER_GID, "tags": ["fraud-hold"]}
    (hold,) = _calls(fake, "fulfillmentOrderHold")
    assert hold["variables"]["id"] == "gid://shopify/FulfillmentOrder/1"
    verdict = db.session.scalar(select(RiskVerdict).where(RiskVerdict.store_id == store.id))
    assert (verdict.level, verdict.decision, verdict.score) == ("high", "held", 100)


def test_legitimate_repeat_order_from_known_address_is_not_flagged(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a customer whose earlier orders of about 400 went to the same address, when
    Shopify's sample order (404.95, same address) arrives, then nothing is sent to Shopify
    and the verdict is low and passed."""
    sample = fixture("orders_create.json")
    known = customer_record(platform_id=str(sample["customer"]["id"]))
    home = {
        k: sample["shipping_address"][k] for k in ("name", "address1", "city", "zip", "province")
    }
    places = [AddressRecord(kind=k, country_code="US", **home) for k in ("billing", "shipping")]
    when = datetime(2021, 6, 1, tzinfo=UTC)
    earlier = [
        {"customer": known, "total_price": t, "addresses": places, "placed_at": when}
        for t in ("390.00", "420.00")
    ]
    _store_with_history(fake, run_jobs, *earlier)
    body = json.dumps(sample).encode()
    assert deliver(client, "orders/create", body, SHOP).status_code == 200
    run_jobs()

    assert _calls(fake, "orderRiskAssessmentCreate") == [] and _calls(fake, "tagsAdd") == []
    order = db.session.scalar(select(Order).where(Order.platform_id == "820982911946154508"))
    verdict = db.session.scalar(select(RiskVerdict).where(RiskVerdict.order_id == order.id))
    assert (verdict.level, verdict.decision) == ("low", "passed")
    assert "missing: no IP address on the order" in verdict.reasons
