"""One retry owner per layer: a platform failing forever sees a bounded, documented call count."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.jobs.retry import HTTP_RETRIES, MAX_ATTEMPTS
from ecomapp.models import InboxDelivery, Run, utcnow
from tests.automation_support import make_automation, run_at
from tests.fakes.shopify_server import FakeShopify, fixture_bytes
from tests.shopify.support import deliver, installed

SHOP = "always-down.myshopify.com"
TAG_NEW_CUSTOMERS = {
    "trigger": {"event": "customer.created"},
    "steps": [{"type": "action", "action": "tag_customer", "params": {"tags": ["new"]}}],
}


def _tag_calls(fake: FakeShopify) -> int:
    return sum(1 for call in fake.calls if call.get("op") == "tagsAdd")


def test_a_platform_answering_503_forever_gets_a_bounded_number_of_calls(
    app: Flask, client: FlaskClient, fake: FakeShopify
) -> None:
    """Given an automation tagging new customers and Shopify answering 503 forever, when a
    customers/create webhook arrives and a day passes, then Shopify saw (1 + 2) x 5 = 15 tagsAdd
    calls in total, and the run is failed with Shopify's error to read."""
    store = installed(fake, SHOP)
    make_automation(store, TAG_NEW_CUSTOMERS)
    fake.script = ["503"] * 1000
    sample = json.loads(fixture_bytes("customers_create.json"))
    body = json.dumps(sample | {"state": "enabled"}).encode()  # an account: customer.created
    assert deliver(client, "customers/create", body, SHOP).status_code == 200
    start = utcnow()
    for minutes in [*range(0, 20, 2), 24 * 60]:
        run_at(app, start + timedelta(minutes=minutes, seconds=1))
    assert _tag_calls(fake) == (1 + HTTP_RETRIES) * MAX_ATTEMPTS == 15
    run = db.session.scalar(select(Run).where(Run.store_id == store.id))
    assert run.status == "failed" and "HTTP 503" in (run.error or "")
    assert db.session.scalar(select(InboxDelivery.status)) == "done"
