"""Erasure reaches back-in-stock requests and push subscriptions (WooCommerce customer.deleted)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import BackInStockRequest, PushSubscription, Store, WooSite
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.privacy_support import OTHER, PERSON, count, hits
from tests.push_support import push_ready
from tests.storefront_support import PLUGIN_SECRET, plugin_post


@pytest.fixture
def woo(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a connected loopback WooCommerce store whose plugin holds a secret."""
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        db.session.scalar(select(WooSite)).plugin_secret = PLUGIN_SECRET
        db.session.commit()
        yield store


def test_customer_deleted_removes_their_requests_and_subscriptions(
    app: Flask, client: FlaskClient, woo: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a customer waiting by e-mail and push for a sold-out product, and another shopper
    waiting too, when customer.deleted arrives, then nothing of the customer is left and the
    other shopper still waits."""
    for cid, person in ((5, PERSON), (6, OTHER)):
        body = wc.customer(cid, person["email"], person["first_name"], person["last_name"])
        deliver(client, hook_for(woo, "customer.created"), body)
    deliver(client, hook_for(woo, "product.created"), wc.product(41, stock=0))
    run_jobs()
    store = db.session.scalar(select(Store))
    with push_ready(app) as push:
        sub = push.browser("philippa").subscription(push.url)
        for ask in (
            {"email": PERSON["email"], "subscription": sub, "customer_id": "5"},
            {"email": OTHER["email"], "customer_id": "6"},
        ):
            body = {"variant_id": "41", "consent": True, "consent_text": "Tell me"} | ask
            assert plugin_post(client, store, "back-in-stock", body).status_code == 201
    assert count(PushSubscription) == 1 and PERSON["email"] in str(hits(PERSON))
    deliver(client, hook_for(woo, "customer.deleted"), {"id": 5})
    run_jobs()
    assert hits(PERSON) == [] and count(PushSubscription) == 0
    left = db.session.scalars(select(BackInStockRequest.email)).all()
    assert left == [OTHER["email"]]
