"""The plugin's notify-me form in Chromium: the shopper's post goes through the plugin's PHP."""

from __future__ import annotations

import shutil

import pytest
from flask import Flask
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import BackInStockRequest
from tests.browser import chromium_page, serve
from tests.factories import make_product
from tests.fakes.woocommerce.wp_storefront import WordPressStore, running_wordpress
from tests.storefront_support import PLUGIN_SECRET, woo_store_with_plugin

PHP = shutil.which("php")


@pytest.mark.browser
@pytest.mark.skipif(PHP is None, reason="php is not installed")
def test_plugin_form_records_a_request_through_the_signed_door(app: Flask) -> None:
    """Given a sold-out product page with the plugin's form, when a shopper submits an e-mail
    with consent in Chromium, then the plugin's PHP signs it and the app records the request
    with the plugin's consent wording; the form thanks the shopper."""
    store = woo_store_with_plugin()
    variant = make_product(store, stock=0).variants[0]
    variant.platform_id = "4242"
    db.session.commit()
    with serve(app) as base, chromium_page() as page:
        connection = {"url": base, "store": store.id, "secret": PLUGIN_SECRET}
        site = WordPressStore(str(PHP), connection, 4242)
        with running_wordpress(site):
            page.goto(site.url + "/product/parka/")
            page.fill('form.ecomapp-notify-me input[name="email"]', "guest@example.com")
            page.check('form.ecomapp-notify-me input[name="consent"]')
            page.click("form.ecomapp-notify-me >> text=Notify me")
            page.wait_for_function(
                "() => document.querySelector('form.ecomapp-notify-me output').textContent !== ''"
            )
            thanks = page.locator("form.ecomapp-notify-me output").inner_text()
    assert thanks.startswith("Thanks"), thanks
    assert site.forwarded[0]["headers"]["X-Ecomapp-Store"] == str(store.id)
    row = db.session.scalar(select(BackInStockRequest))
    assert (row.email, row.variant_id, row.source) == (
        "guest@example.com",
        variant.id,
        "woocommerce_plugin",
    )
    assert row.consent_text.startswith("Email me once when this product is back in stock.")
