"""The Shopify theme block in Chromium: a shopper asks to be told, through the app proxy."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import BackInStockRequest
from tests.browser import chromium_page, serve
from tests.factories import make_product, make_store
from tests.fakes.shopify_storefront import Storefront, render_block, running_storefront
from tests.storefront_support import PROXY_SECRET

SETTINGS = {
    "heading": "Sold out. Tell me when it is back:",
    "consent_text": "Email me once when this item is back in stock.",
    "offer_push": True,
    "push_text": "Also send me a browser notification.",
    "button": "Notify me",
    "proxy_path": "/apps/ecomapp",
}


@pytest.mark.browser
def test_block_on_a_sold_out_variant_records_a_request_through_the_proxy(app: Flask) -> None:
    """Given a product page whose selected variant is sold out (another is available), when a
    shopper types an e-mail, ticks consent and submits in Chromium, then the app records the
    request for that variant with the block's consent wording, through the signed proxy."""
    store = make_store("shopify", domain="block-shop.myshopify.com")
    product = make_product(store, stock=0)
    sold_out = product.variants[0]
    liquid_product = {
        "selected_or_first_available_variant": {"id": sold_out.platform_id, "available": False},
        "variants": [
            {"id": sold_out.platform_id, "available": False},
            {"id": "in-stock-1", "available": True},
        ],
    }
    html = render_block("back-in-stock", liquid_product, SETTINGS)
    with serve(app) as base, chromium_page() as page:
        front = Storefront(store.domain, base, PROXY_SECRET, html)
        with running_storefront(front):
            page.goto(front.url + "/products/parka")
            assert page.locator(".ecomapp-notify-me").is_visible()
            page.fill('input[name="email"]', "shopper@example.com")
            page.check('input[name="consent"]')
            page.click("text=Notify me")
            page.wait_for_function(
                "() => document.querySelector('.ecomapp-notify-me output').textContent !== ''"
            )
            answer = page.locator(".ecomapp-notify-me output").inner_text()
            page.goto(front.url + "/products/parka?variant=in-stock-1")
            hidden_when_available = not page.locator(".ecomapp-notify-me").is_visible()
    assert answer.startswith("Thanks")
    row = db.session.scalar(select(BackInStockRequest))
    assert (row.email, row.variant_id, row.source) == (
        "shopper@example.com",
        sold_out.id,
        "shopify_app_proxy",
    )
    assert row.consent_text == SETTINGS["consent_text"] and hidden_when_available
