"""Mails in the customer's own language: Shopify's `customer_locale` on an order is mirrored on
the customer, and the built-in template is chosen per recipient (else the store's language)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.models import Customer, utcnow
from tests.automation_support import make_automation, run_at
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail
from tests.shopify.support import deliver, installed

SHOP = "bai-cha.myshopify.com"
THANKS = {
    "trigger": {"event": "order.created"},
    "steps": [{"type": "action", "action": "send_email", "params": {"template": "welcome"}}],
}


def _order(order_id: int, customer_id: int, locale: str | None) -> bytes:
    body = fixture("orders_create.json")
    now = utcnow().isoformat()
    body |= {"id": order_id, "name": f"#{order_id}", "customer_locale": locale}
    body |= {"cancelled_at": None, "created_at": now, "processed_at": now, "updated_at": now}
    body["admin_graphql_api_id"] = f"gid://shopify/Order/{order_id}"
    email = f"c{customer_id}@example.com"
    body["customer"] |= {
        "id": customer_id,
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        "email": email,
        "first_name": "Lek",
    }
    body["email"] = email
    body.pop("refunds", None)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("store_language", "locale", "subject"),
    [
        ("th", "en", "Welcome to Super Toys, Lek!"),  # an English-speaking customer of a Thai store
        ("en", "th-TH", "ยินดีต้อนรับสู่ Super Toys คุณLek!"),  # a Thai customer of an English one
        ("th", "fr", "ยินดีต้อนรับสู่ Super Toys คุณLek!"),  # unsupported: the store's language
        ("en", None, "Welcome to Super Toys, Lek!"),  # no locale: the store's language
    ],
)
def test_an_order_mail_is_in_the_customers_language_when_supported(
    app: Flask,
    client: FlaskClient,
    fake: FakeShopify,
    time_machine: time_machine.TimeMachineFixture,
    store_language: str,
    locale: str | None,
    subject: str,
) -> None:
    """Given a store in one language and an order whose customer_locale is another, when the
    signed orders/create arrives, then the mail at the SMTP server is in the customer's."""
    start = utcnow()
    time_machine.move_to(start, tick=False)
    store = installed(fake, SHOP)
    store.settings = {**(store.settings or {}), "language": store_language}
    db.session.commit()
    make_automation(store, THANKS)
    with running_smtp() as server:
        configure_mail(store, backend="smtp", smtp_url=server.url)
        assert deliver(client, "orders/create", _order(6601, 7701, locale), SHOP).status_code == 200
        run_at(app, start + timedelta(seconds=5))
        run_at(app, start + timedelta(seconds=10))
        smtp.close_all()
        assert [str(m.email["Subject"]) for m in server.received] == [subject]
    customer = db.session.scalar(select(Customer).where(Customer.platform_id == "7701"))
    assert customer is not None and customer.locale == locale
