"""The abandoned-cart recipe with a push beside the e-mail, delivered to a real push endpoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mirror.carts import sweep_abandoned
from ecomapp.mirror.records import CartRecord
from ecomapp.models import Automation
from tests.automation_support import deliver, login, messages
from tests.factories import customer_record
from tests.mail_support import configure_mail
from tests.push_support import push_ready
from tests.storefront_support import plugin_post, woo_store_with_plugin


def test_abandoned_cart_recipe_pushes_beside_the_first_email(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a shopper (WordPress user 31) subscribed to push through the plugin and the
    abandoned-cart recipe added in the panel with a push title, when their cart goes quiet,
    then the first reminder goes by e-mail and by push, whose link leads to the cart."""
    store = woo_store_with_plugin()
    configure_mail(store)
    csrf = {"X-CSRF-Token": login(client, store)}
    params = {"push_title": "Your cart misses you"}
    assert (
        client.post("/automations/recipes/abandoned_cart", data=params, headers=csrf).status_code
        == 303
    )
    automation = db.session.scalar(select(Automation))
    assert client.post(f"/automations/{automation.id}/toggle", headers=csrf).status_code == 200
    start = datetime.now(UTC)
    buyer = customer_record(platform_id="31", accepts_marketing=True)
    with push_ready(app) as push:
        body = {"subscription": push.browser("p").subscription(push.url), "consent": True}
        body |= {"consent_text": "Allow notifications", "customer_id": "31"}
        assert plugin_post(client, store, "push/subscribe", body).status_code == 201
        cart = CartRecord(
            platform_id="c-31",
            email=buyer.email,
            customer=buyer,
            items=[{"title": "Rain Shell", "quantity": 1, "price": "120.00"}],
            total_price=Decimal("120.00"),
            updated_at=start,
            recovery_url="https://shop.example.com/cart/c-31",
        )
        deliver(store, "cart", cart)
        run_jobs()
        sweep_abandoned(start + timedelta(minutes=61))
        run_jobs()
        run_jobs()
    assert len(messages(store, "abandoned_cart")) == 1
    assert [(d["title"], d["body"]) for d in push.delivered] == [
        ("Your cart misses you", "Your cart is waiting.")
    ]
    token = push.delivered[0]["url"].rsplit("/", 1)[1]
    assert client.get(f"/p/c/{token}").headers["Location"] == "https://shop.example.com/cart/c-31"
