"""Shoppers on the stand-in store in a real browser, the plugin's PHP: consent, abandonment."""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import Message as MimeMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.mail import smtp as smtp_pool
from ecomapp.mirror.carts import sweep_abandoned
from ecomapp.models import Automation, Cart, Message, Store
from tests.automation_support import login
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.fakes.smtp_server import running_smtp
from tests.fakes.woocommerce.flow import woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.mail_support import configure_mail
from tests.woo_shop_support import connected_shop, serve_switch

pytestmark = pytest.mark.browser

# 06:20 UTC is 07:20 in Berlin; an hour later it is 08:21 there (after quiet hours 21-8) but
# still 07:21 in UTC (inside them): the reminder goes at once only on the store's clock.
START = datetime(2026, 12, 1, 6, 20, tzinfo=UTC)


def _berlin_store() -> FakeWooStore:
    store = FakeWooStore()
    store.site |= {"timezone_string": "Europe/Berlin", "gmt_offset": "1"}
    store.settings["general"]["woocommerce_default_country"]["value"] = "DE:BE"
    return store


def _shop_as(browser: Any, base: str, product: str, address: str, consent: bool) -> None:
    """One shopper: add a product, go to checkout, type the e-mail, tick the box or not."""
    page = browser.new_context().new_page()
    page.goto(f"{base}/shop/")
    page.get_by_role("button", name=f"Add {product} to cart").click()
    page.wait_for_url(f"{base}/checkout/")
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Email address").blur()
    page.wait_for_function("document.body.dataset.reviewed >= 1")
    if consent:
        page.get_by_label(re.compile("Email me offers")).check()
        page.wait_for_function("document.body.dataset.reviewed >= 2")
    page.context.close()


def _enable_recipe(client: FlaskClient, store: Store) -> None:
    csrf = login(client, store)
    client.post("/automations/recipes/abandoned_cart", headers={"X-CSRF-Token": csrf})
    automation = db.session.scalar(select(Automation))
    client.post(f"/automations/{automation.id}/toggle", headers={"X-CSRF-Token": csrf})


def _body(raw: bytes) -> str:
    mime: MimeMessage = email.message_from_bytes(raw)
    part = next(p for p in mime.walk() if p.get_content_type() == "text/html")
    return str(part.get_payload(decode=True).decode())  # type: ignore[union-attr]


def test_shoppers_consent_and_abandonment_give_one_reminder_on_the_stores_clock(
    app: Flask,
    client: FlaskClient,
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
) -> None:
    """Given a Berlin store that requires consent, when one guest ticks the box and another
    does not and both leave, then one cart row each, one reminder (to the one who consented,
    at once on Berlin's clock) at the SMTP server, the other held back for consent, and the
    reminder's link refills the cart in the browser."""
    sync_api = pytest.importorskip("playwright.sync_api")
    require_chromium()
    time_machine.move_to(START, tick=True)
    with (
        serve_switch(app) as (live, _),
        woo_settings(app, app_url=live),
        running(_berlin_store()) as fake,
        running_smtp() as smtp,
    ):
        shop = connected_shop(client, fake, run_jobs)
        fake.shop = shop
        store = db.session.scalar(select(Store))
        configure_mail(store, backend="smtp", smtp_url=smtp.url, quiet_start_hour=21)
        _enable_recipe(client, store)
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                _shop_as(browser, fake.base_url, "Tea Mug", "ada@example.com", consent=True)
                _shop_as(browser, fake.base_url, "Biscuit Tin", "bo@example.com", consent=False)
                shop.run_queue()  # WP-Cron runs Action Scheduler
                run_jobs()
                carts = db.session.execute(select(Cart.email, Cart.items)).all()
                assert sorted(email for email, _ in carts) == ["ada@example.com", "bo@example.com"]
                time_machine.move_to(START + timedelta(minutes=61), tick=True)
                sweep_abandoned()
                run_jobs()
                outcomes = {
                    m.to_email: (m.status, m.error)
                    for m in db.session.scalars(
                        select(Message).where(Message.template_key == "abandoned_cart")
                    )
                }
                assert outcomes == {
                    "ada@example.com": ("sent", None),
                    "bo@example.com": ("suppressed", "no marketing consent"),
                }
                (received,) = smtp.received
                assert received.rcpt_tos == ["ada@example.com"]
                link = re.search(r'href="(https?://[^"]+/m/c/[^"]+)"', _body(received.raw))
                assert link is not None
                page = browser.new_page()
                page.goto(link.group(1))
                page.wait_for_url(f"{fake.base_url}/cart/")
                sync_api.expect(page.get_by_test_id("cart-line")).to_have_text("Tea Mug \u00d7 1")
            finally:
                browser.close()
                smtp_pool.close_all()  # the mailer keeps its SMTP connection for reuse
