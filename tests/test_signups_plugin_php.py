"""The plugin's real PHP forwards a signup form, signed, and the app records it pending."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Signup
from tests.factories import make_product
from tests.storefront_support import woo_store_with_plugin
from tests.test_back_in_stock_plugin_php import PHP, _plugin, _relay

PLUGIN_CONSENT = "Yes, e-mail me news and offers. I can unsubscribe at any time."


def test_plugin_forwards_a_signup_the_app_accepts(client: FlaskClient) -> None:
    """Given the form's post to the plugin's REST route (the browser claiming other wording),
    when the PHP signs and forwards it, then the app records a pending signup with the plugin's
    own consent wording, the picked category and the shopper's IP used for the rate limit."""
    assert PHP is not None
    store = woo_store_with_plugin()
    make_product(store, product_type="Tea")
    form = {
        "email": "ada@example.com",
        "name": "Ada <b>Lovelace</b>",
        "interests": ["Tea"],
        "consent": True,
        "consent_text": "anything the browser says",
    }
    sent = _plugin(store, "signup", form, user=7)
    assert sent["post"]["url"] == "http://127.0.0.1:5000/storefront/signup"
    reply = _relay(client, sent)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    row = db.session.scalar(select(Signup))
    assert (row.email, row.name, row.interests) == ("ada@example.com", "Ada Lovelace", ["Tea"])
    assert row.consent_text == PLUGIN_CONSENT and row.source == "woocommerce_plugin"


def test_plugin_forwards_the_honeypot_so_bots_record_nothing(client: FlaskClient) -> None:
    """Given a bot filling the hidden field, when the plugin forwards the post, then the app
    answers like a success and records nothing."""
    store = woo_store_with_plugin()
    form = {"email": "bot@example.com", "consent": True, "website": "http://spam.example"}
    reply = _relay(client, _plugin(store, "signup", form))
    assert reply.status_code == 201 and db.session.scalar(select(Signup)) is None
