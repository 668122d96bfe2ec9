"""Signup forms on WooCommerce: the plugin's signed post, confirm link, the customer's meta."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.models import Customer, Event, Signup, Store, WooSite
from tests.fakes.smtp_server import running_smtp
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.mail_support import configure_mail
from tests.signup_support import confirm_link, signup_form
from tests.storefront_support import PLUGIN_SECRET, plugin_post


@pytest.fixture
def fake(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a loopback WooCommerce store connected to the app, its plugin holding a secret."""
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        site = db.session.scalar(select(WooSite))
        site.plugin_secret = PLUGIN_SECRET
        db.session.commit()
        yield store


def _confirmed(client: FlaskClient, run_jobs: Callable[[], None], email: str) -> None:
    store = db.session.scalar(select(Store))
    with running_smtp() as mail:
        configure_mail(store, backend="smtp", smtp_url=mail.url)
        body = signup_form(email=email, consent=True, client_ip="203.0.113.7")
        reply = plugin_post(client, store, "signup", body)
        assert reply.status_code == 201, reply.get_data(as_text=True)
        run_jobs()
        smtp.close_all()
        assert client.post(confirm_link(mail.received[0])).status_code == 200
    run_jobs()
    run_jobs()


def _meta(customer: dict[str, object]) -> dict[str, object]:
    return {m["key"]: m["value"] for m in customer["meta_data"]}  # type: ignore[attr-defined]


def test_new_subscriber_becomes_a_customer_with_plain_meta(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given no customer with the address, when a shopper confirms, then POST customers creates
    one whose consent meta WooCommerce kept (no `_` prefix), and its customer.created webhook
    brings it into the mirror."""
    _confirmed(client, run_jobs, "ann@example.com")
    [created] = [c for c in fake.customers.values() if c["email"] == "ann@example.com"]
    assert _meta(created)["ecomapp_marketing_consent"] == "confirmed_opt_in"
    assert (created["first_name"], created["last_name"]) == ("Ann", "Lee")
    assert db.session.scalar(select(Signup.platform_customer_id)) == str(created["id"])
    deliver(client, hook_for(fake, "customer.created"), created)
    run_jobs()
    assert db.session.scalar(select(Customer.email)) == "ann@example.com"
    subscribed = db.session.scalars(select(Event).where(Event.type == "customer.subscribed"))
    assert [e.data["source"] for e in subscribed] == ["woocommerce_plugin"]


def test_known_customer_is_updated_not_duplicated(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a customer with the address on the store, when they confirm a signup, then their
    meta is updated with PUT and no second customer is created."""
    fake.add("customers", wc.customer(55, email="ada@example.com"))
    _confirmed(client, run_jobs, "ada@example.com")
    assert len(fake.customers) == 1
    assert _meta(fake.customers[55])["ecomapp_marketing_consent"] == "confirmed_opt_in"
    puts = [r for r in fake.requests if r[0] == "PUT" and r[1].endswith("/customers/55")]
    assert len(puts) == 1


def test_the_stand_in_refuses_a_taken_email_like_woocommerce(fake: FakeWooStore) -> None:
    """Given a customer, when POST customers repeats the address, then 400 with WooCommerce's
    registration-error-email-exists message (what a race between two signups would meet)."""
    from ecomapp.platforms.woocommerce.client import WooCommerceError
    from ecomapp.platforms.woocommerce.sites import client_for

    fake.add("customers", wc.customer(56, email="bo@example.com"))
    store = db.session.scalar(select(Store))
    with pytest.raises(WooCommerceError) as refused:
        client_for(store).request("POST", "customers", {"email": "bo@example.com"})
    assert refused.value.status == 400 and "already registered" in str(refused.value)


def test_a_guest_of_past_orders_becomes_a_registered_customer(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a guest known only from an order, when they confirm a signup, then the store gets a
    new customer (the guest's mirror id is no user id)."""
    deliver(client, hook_for(fake, "order.created"), wc.order(77, customer_id=0, email="g@x.io"))
    run_jobs()
    assert db.session.scalar(select(Customer.platform_id)) == "guest:g@x.io"
    _confirmed(client, run_jobs, "g@x.io")
    assert [c["email"] for c in fake.customers.values()] == ["g@x.io"]
