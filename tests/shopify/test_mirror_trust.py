"""The mirror keeps Shopify facts true: accounts, paid spend, B2B, no events for re-sends."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.models import Customer, Event, Message, Order
from tests.automation_support import make_automation
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.privacy_support import count
from tests.shopify.support import deliver, installed, matching_gid

SHOP = "super-toys.myshopify.com"


def _customer(state: str, updated_at: str, **fields: Any) -> dict[str, Any]:
    body = fixture("customers_create.json") | {"state": state, "updated_at": updated_at}
    return body | fields


def _order(**fields: Any) -> dict[str, Any]:
    customer = _customer("enabled", "2026-11-01T10:00:00Z", id=600)
    body = fixture("orders_create.json") | {"customer": customer, "cancelled_at": None}
    return body | {"id": 900, "updated_at": "2026-11-02T10:00:00Z"} | fields


def _send(client: FlaskClient, topic: str, body: dict[str, Any]) -> None:
    response = deliver(client, topic, json.dumps(matching_gid(body)).encode(), SHOP)
    assert response.status_code == 200, response.get_data(as_text=True)


def _events(kind: str) -> int:
    return count(Event, Event.type == kind)


def test_a_guest_gets_no_welcome_until_their_account_is_enabled(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given the welcome recipe, when a guest (state disabled) is created, then no
    customer.created and no e-mail; when their account becomes enabled, then one of each."""
    make_automation(installed(fake, SHOP), build_recipe("welcome", {})[1])
    run_jobs()
    _send(client, "customers/create", _customer("disabled", "2026-11-01T10:00:00Z"))
    run_jobs()
    assert db.session.scalar(select(Customer.has_account)) is False
    assert _events("customer.created") == 0 and count(Message) == 0
    _send(client, "customers/update", _customer("enabled", "2026-11-03T10:00:00Z"))
    _send(client, "customers/update", _customer("enabled", "2026-11-04T10:00:00Z"))
    run_jobs()
    assert _events("customer.created") == 1
    assert list(db.session.scalars(select(Message.template_key))) == ["welcome"]


def test_an_unpaid_order_adds_nothing_to_lifetime_spend(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a pending order of 404.95, then spend stays 0; when orders/paid follows, it counts."""
    installed(fake, SHOP)
    _send(client, "orders/create", _order(financial_status="pending"))
    run_jobs()
    customer = db.session.scalar(select(Customer))
    assert str(customer.total_spent) == "0.00" and customer.orders_count == 1
    _send(client, "orders/paid", _order(financial_status="paid", updated_at="2026-11-02T11:00Z"))
    run_jobs()
    assert str(db.session.scalar(select(Customer.total_spent))) == "404.95"


def test_a_resent_order_emits_no_order_updated(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given an order, when orders/updated repeats it with a new updated_at only, then no
    order.updated; when its note changes, then exactly one."""
    installed(fake, SHOP)
    _send(client, "orders/create", _order())
    _send(client, "orders/updated", _order(updated_at="2026-11-02T10:05:00Z"))
    run_jobs()
    assert count(Order) == 1 and _events("order.updated") == 0
    _send(client, "orders/updated", _order(updated_at="2026-11-02T10:10:00Z", note="gift"))
    run_jobs()
    assert _events("order.updated") == 1


def test_a_customer_with_a_company_is_b2b_by_the_default_rule(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given the default rule (a company makes B2B), when a customer with a company arrives,
    then they are b2b, as on WooCommerce; one without is b2c."""
    installed(fake, SHOP)
    business = _customer("enabled", "2026-11-01T10:00:00Z")
    business["default_address"] = business["default_address"] | {"company": "Maple Supply"}
    _send(client, "customers/create", business)
    _send(client, "customers/create", _customer("enabled", "2026-11-01T10:00:00Z", id=77))
    run_jobs()
    kinds = {
        pid: kind for pid, kind in db.session.execute(select(Customer.platform_id, Customer.kind))
    }
    assert kinds == {str(business["id"]): "b2b", "77": "b2c"}
