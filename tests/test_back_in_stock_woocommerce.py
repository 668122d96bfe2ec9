"""A WooCommerce restock (signed product.updated) notifies waiting shoppers through the plugin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.models import BackInStockRequest, Store, WooSite
from tests.automation_support import make_automation
from tests.fakes.smtp_server import running_smtp
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.mail_support import configure_mail
from tests.push_support import push_ready
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


def test_product_update_restock_notifies_as_many_as_came_back(
    app: Flask, client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given three shoppers waiting for a sold-out product (asked through the plugin: e-mail,
    push, e-mail) and the recipe on, when a product.updated says 2 in stock, then the first gets
    one mail and the second one decrypted push; the third still waits."""
    deliver(client, hook_for(fake, "product.created"), wc.product(41, stock=0))
    run_jobs()
    store = db.session.scalar(select(Store))
    make_automation(store, build_recipe("back_in_stock", {})[1])
    with running_smtp() as mail, push_ready(app) as push:
        browser = push.browser("second").subscription(push.url)
        for ask in ({"email": "first@example.com"}, {"subscription": browser}, {"email": "t@x.io"}):
            body = {"variant_id": "41", "consent": True, "consent_text": "Tell me"} | ask
            reply = plugin_post(client, store, "back-in-stock", body)
            assert reply.status_code == 201, reply.get_data(as_text=True)
        configure_mail(store, backend="smtp", smtp_url=mail.url)
        restocked = wc.product(41, stock=2, modified=datetime(2026, 11, 3, tzinfo=UTC))
        deliver(client, hook_for(fake, "product.updated"), restocked)
        run_jobs()
        run_jobs()
        smtp.close_all()
        received = sorted(r.rcpt_tos[0] for r in mail.received)
    assert received == ["first@example.com"]
    assert "is back in stock" in mail.received[0].email["Subject"]
    assert [d["browser"] for d in push.delivered] == ["second"] and not push.refused
    statuses = db.session.scalars(select(BackInStockRequest.status).order_by(BackInStockRequest.id))
    assert list(statuses) == ["notified", "notified", "waiting"]
