"""Shopify customers/redact erases the customer from every table of the app."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Customer, InboxDelivery, Message, Order, Run
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.privacy_support import OTHER, PERSON, automations, count, hits
from tests.shopify.support import deliver, installed, matching_gid

SHOP = "super-toys.myshopify.com"


def _shopify_customer(cid: int, person: dict[str, str]) -> dict[str, Any]:
    body = fixture("customers_create.json")
    address = body["default_address"] | {
        "address1": person.get("address1", "1 Main St"),
        "city": person.get("city", "Ottawa"),
        "zip": person.get("zip", "K1A 0B1"),
        "phone": person.get("phone"),
        "first_name": person["first_name"],
        "last_name": person["last_name"],
        "name": f"{person['first_name']} {person['last_name']}",
        "customer_id": cid,
    }
    body |= {"id": cid, "state": "enabled", "default_address": address, "addresses": [address]}
    body |= {k: person.get(k) for k in ("email", "first_name", "last_name", "phone")}
    return body


def _send(client: FlaskClient, topic: str, body: dict[str, Any]) -> None:
    """Deliver a signed body; the door must accept it, or the erasure would prove nothing."""
    response = deliver(client, topic, json.dumps(matching_gid(body)).encode(), SHOP)
    assert response.status_code == 200, response.get_data(as_text=True)


def _shopify_order(oid: int, customer: dict[str, Any]) -> dict[str, Any]:
    body = fixture("orders_create.json")
    address = customer["default_address"]
    body |= {
        "id": oid,
        "email": customer["email"],
        "customer": customer,
        "phone": customer["phone"],
    }
    body |= {"billing_address": address, "shipping_address": address, "financial_status": "paid"}
    body |= {"cancelled_at": None, "contact_email": customer["email"], "note": "ring twice"}
    return body


def _shopify_history(client: FlaskClient, run_jobs: Callable[[], None]) -> None:
    person, other = _shopify_customer(7001, PERSON), _shopify_customer(7002, OTHER)
    for body in (person, other):
        _send(client, "customers/create", body)
    _send(client, "orders/create", _shopify_order(8001, person))
    _send(client, "orders/create", _shopify_order(8002, other))
    run_jobs()


def test_shopify_redact_leaves_no_trace_in_any_table(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a customer with orders, events, runs and e-mails, when customers/redact is
    delivered, then no text or JSON column of any table holds their e-mail, names, phone or
    address, their raw deliveries are gone, and the other customer is untouched."""
    store = installed(fake, SHOP)
    automations(store)
    _shopify_history(client, run_jobs)
    assert count(Message) == 4 and count(Run) >= 4
    assert len(hits(PERSON)) > 20  # the person is everywhere before the request
    redact = {"shop_id": 1, "shop_domain": SHOP, "orders_to_redact": [8001]}
    redact["customer"] = {"id": 7001, "email": PERSON["email"], "phone": PERSON["phone"]}
    _send(client, "customers/redact", redact)
    run_jobs()
    assert hits(PERSON) == []
    assert (
        db.session.scalar(
            select(InboxDelivery.status).where(InboxDelivery.topic == "customers/redact")
        )
        == "done"
    )
    assert set(hits(OTHER)) >= {
        "customers.email=" + OTHER["email"],
        "orders.email=" + OTHER["email"],
    }
    assert db.session.scalar(select(Customer.redacted_at).where(Customer.platform_id == "7001"))
    assert db.session.scalar(select(Order.total_price).where(Order.platform_id == "8001")) > 0
