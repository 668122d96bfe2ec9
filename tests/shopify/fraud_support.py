"""Shopify fraud-review helpers: a store with the hold recipe, suspicious orders delivered."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.models import Order, RiskVerdict, Store
from tests.automation_support import make_automation
from tests.factories import make_order
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.shopify.support import deliver, installed

SHOP = "super-toys.myshopify.com"
CANADA = {
    "name": "Bob Smith",
    "address1": "1 Bay St",
    "city": "Toronto",
    "zip": "M5J 2N8",
    "province": "Ontario",
    "country_code": "CA",
}


def store_holding_high_risk(fake: FakeShopify, run_jobs: Callable[[], None]) -> Store:
    """Install the shop with 30 ordinary orders and switch on the hold recipe."""
    store = installed(fake, SHOP)
    for _ in range(30):
        make_order(store, total_price="60.00")
    run_jobs()
    make_automation(store, build_recipe("hold_high_risk_orders", {})[1])
    return store


def suspicious_order(order_id: int, email: str = "new@example.net") -> bytes:
    """Return orders/create of a 1,240.00 first order billed in CA, shipped to the US, from a
    Nigerian IP after two failed payments."""
    payload: dict[str, Any] = fixture("orders_create.json")
    payload |= {"id": order_id, "name": f"#{order_id}", "email": email, "total_price": "1240.00"}
    payload["admin_graphql_api_id"] = f"gid://shopify/Order/{order_id}"
    payload["billing_address"] = payload["billing_address"] | CANADA
    payload["browser_ip"] = "197.210.0.10"  # Nigeria in the bundled database
    payload["customer"] = payload["customer"] | {"id": order_id + 1, "email": email}
    failed = {"kind": "sale", "status": "failure"}
    payload["transactions"] = [failed, failed, {"kind": "sale", "status": "success"}]
    return json.dumps(payload).encode()


def held_order(
    client: FlaskClient, run_jobs: Callable[[], None], order_id: int, email: str
) -> RiskVerdict:
    """Deliver a signed suspicious order, run the jobs; return its (held) verdict."""
    body = suspicious_order(order_id, email)
    assert deliver(client, "orders/create", body, SHOP).status_code == 200
    run_jobs()
    verdict = db.session.scalar(
        select(RiskVerdict).join(Order).where(Order.platform_id == str(order_id))
    )
    assert verdict is not None and verdict.decision == "held"
    return verdict


def calls(fake: FakeShopify, op: str) -> list[dict[str, Any]]:
    """Return the stand-in's recorded calls of one GraphQL operation."""
    return [c for c in fake.calls if c.get("op") == op]
