"""The Shopify signup block in Chromium: a shopper subscribes through the app proxy."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Signup
from tests.browser import chromium_page, serve
from tests.factories import make_product, make_store
from tests.fakes.shopify_storefront import Storefront, running_storefront
from tests.storefront_support import PROXY_SECRET
from tests.test_signup_theme_block import SETTINGS, _render

ANSWER = "() => document.querySelector('.ecomapp-signup output').textContent !== ''"


@pytest.mark.browser
def test_shopper_subscribes_with_the_block_and_sees_the_apps_messages(app: Flask) -> None:
    """Given the block on a page, when a shopper submits a bad address, then the app's message
    naming the field shows on the form; when they fix it, tick an interest and consent, then
    they are told to check their inbox and a pending signup holds the block's wording."""
    store = make_store("shopify", domain="browser-signup.myshopify.com")
    make_product(store, product_type="Tea")
    html = _render(["Tea"])
    with serve(app) as base, chromium_page() as page:
        front = Storefront(store.domain, base, PROXY_SECRET, html, script="signup.js")
        with running_storefront(front):
            page.goto(front.url + "/pages/news")
            page.fill('input[name="email"]', "not-an-address")
            page.check('input[name="consent"]')
            page.click("text=Subscribe")
            page.wait_for_function(ANSWER)
            refused = page.locator(".ecomapp-signup output").inner_text()
            page.evaluate("document.querySelector('.ecomapp-signup output').textContent = ''")
            page.fill('input[name="email"]', "shopper@example.com")
            page.check('input[name="interests"][value="Tea"]')
            page.click("text=Subscribe")
            page.wait_for_function(ANSWER)
            accepted = page.locator(".ecomapp-signup output").inner_text()
    assert refused.startswith("email:")
    assert accepted.startswith("Almost done")
    row = db.session.scalar(select(Signup))
    assert (row.email, row.interests, row.status) == ("shopper@example.com", ["Tea"], "pending")
    assert row.consent_text == SETTINGS["consent_text"]
