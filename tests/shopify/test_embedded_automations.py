"""The automation builder inside the Shopify admin: session tokens choose the store."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Automation
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.support import installed, session_token
from tests.test_automation_panel import FORM

SHOP = "builder-shop.myshopify.com"
OTHER = "other-builder.myshopify.com"


def test_builder_saves_into_the_session_tokens_store(
    client: FlaskClient, fake: FakeShopify
) -> None:
    """Given two shops, when the builder posts with shop A's token, then A owns the automation."""
    store = installed(fake, SHOP)
    installed(fake, OTHER)
    headers = {"Authorization": f"Bearer {session_token(SHOP)}", "HX-Request": "true"}
    reply = client.post("/automations/new", data=FORM, headers=headers)
    assert reply.status_code == 200 and reply.headers["HX-Redirect"].startswith("/automations/")
    assert db.session.scalar(select(Automation.store_id)) == store.id
    other = {"Authorization": f"Bearer {session_token(OTHER)}", "HX-Request": "true"}
    assert client.get(reply.headers["HX-Redirect"], headers=other).status_code == 404


def test_builder_refuses_a_post_without_a_token(client: FlaskClient, fake: FakeShopify) -> None:
    """Given an installed shop, when the builder posts without a token, then nothing is saved."""
    installed(fake, SHOP)
    reply = client.post("/automations/new", data=FORM, headers={"HX-Request": "true"})
    assert reply.status_code == 401
    assert db.session.scalar(select(Automation.id)) is None
