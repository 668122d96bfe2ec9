"""The fraud review queue in headless Chromium: approve one order, cancel another (Shopify)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ecomapp.admin.auth import login_token
from ecomapp.extensions import db
from tests.browser import chromium_page, serve
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.fraud_support import calls, held_order, store_holding_high_risk

pytestmark = pytest.mark.browser


def test_merchant_approves_one_order_and_cancels_another_in_the_queue(
    app: Flask, client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given two held orders, when the merchant approves the first and cancels the second
    (accepting the confirmation) in the panel, then the rows say approved and fraud, and the
    Shopify stand-in received one release of the first order's hold and one FRAUD cancel with
    restock for the second."""
    from playwright.sync_api import expect

    store = store_holding_high_risk(fake, run_jobs)
    good = held_order(client, run_jobs, 6001, "traveller@example.net")
    bad = held_order(client, run_jobs, 6002, "thief@example.net")
    token = login_token(store)
    db.session.commit()
    asked: list[str] = []
    with serve(app) as base, chromium_page() as raw:
        page = cast(Any, raw)  # a playwright Page
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        page.goto(f"{base}/login/{token}")
        page.goto(f"{base}/fraud/")
        queue = page.get_by_test_id("fraud-queue")
        expect(queue).to_contain_text("billing country CA, shipping country US")
        page.get_by_test_id(f"approve-{good.id}").click()
        expect(page.get_by_test_id(f"decided-{good.id}")).to_have_text("approved")
        page.get_by_test_id(f"cancel-{bad.id}").click()
        expect(page.get_by_test_id(f"decided-{bad.id}")).to_have_text("fraud")

    assert len(asked) == 1 and "Cancel this order as fraud?" in asked[0]
    (release,) = calls(fake, "fulfillmentOrderReleaseHold")
    held = fake.fulfillment_orders["gid://shopify/Order/6001"][0]
    assert release["variables"]["id"] == held["id"] and held["status"] == "OPEN"
    (cancel,) = calls(fake, "orderCancel")
    sent = cancel["variables"]
    assert (sent["orderId"], sent["reason"], sent["restock"]) == (
        "gid://shopify/Order/6002",
        "FRAUD",
        True,
    )
