"""The Shopify theme block renders the signup form whose fields the app proxy route reads."""

from __future__ import annotations

import re
from html import unescape

import liquid
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Signup
from tests.factories import make_product, make_store
from tests.fakes.shopify_storefront import EXTENSION
from tests.storefront_support import proxy_post

SETTINGS = {
    "heading": "News",
    "ask_name": True,
    "ask_phone": True,
    "ask_interests": True,
    "interests_label": "I like",
    "consent_text": "Yes, e-mail me news & offers.",
    "button": "Subscribe",
    "proxy_path": "/apps/ecomapp",
}


def _render(types: list[str]) -> str:
    source = (EXTENSION / "blocks" / "signup.liquid").read_text()
    source = re.sub(r"{%-?\s*schema\s*-?%}.*?{%-?\s*endschema\s*-?%}", "", source, flags=re.S)
    block = {"settings": SETTINGS, "shopify_attributes": ""}
    return liquid.Environment().from_string(source).render(block=block, shop={"types": types})


def test_block_offers_the_shops_product_types_and_the_app_accepts_its_fields(
    client: FlaskClient,
) -> None:
    """Given a shop with product types, when the block renders, then it offers each type, the
    hidden honeypot and the consent wording; posting its fields through the proxy is accepted
    with that wording stored."""
    store = make_store("shopify", domain="block-shop.myshopify.com")
    make_product(store, product_type="Tea & Herbs")
    html = _render(["Tea & Herbs", ""])
    names = set(re.findall(r'name="(\w+)"', html))
    assert names == {"email", "name", "phone", "interests", "website", "consent"}
    offered = [unescape(v) for v in re.findall(r'name="interests" value="([^"]*)"', html)]
    assert offered == ["Tea & Herbs"]
    wording = unescape(re.search(r"<span data-consent-text>(.*?)</span>", html).group(1))
    form = {"email": "ann@example.com", "interests": offered[0], "website": ""}
    reply = proxy_post(client, store, "signup", form | {"consent": "1", "consent_text": wording})
    assert reply.status_code == 201, reply.get_data(as_text=True)
    row = db.session.scalar(select(Signup))
    assert (row.consent_text, row.interests) == ("Yes, e-mail me news & offers.", ["Tea & Herbs"])
