"""A held order alerts the merchant once: e-mail at the SMTP server, signed POST at the URL."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ecomapp.automation.actions import webhook_secret
from ecomapp.automation.recipes import build_recipe
from ecomapp.mail import smtp
from tests.automation_support import make_automation
from tests.factories import make_order
from tests.fakes.merchant_receiver import receiving
from tests.fakes.shopify_server import FakeShopify
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail
from tests.shopify.fraud_support import SHOP, suspicious_order
from tests.shopify.support import deliver, installed


def test_held_order_alerts_by_email_and_signed_webhook_once(
    app: Flask,
    client: FlaskClient,
    fake: FakeShopify,
    run_jobs: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given the hold recipe with an alert URL and an alert recipient, when the same signed
    suspicious order arrives twice, then one e-mail names the order, score and reasons, and one
    signed POST carries the verdict."""
    settings = dataclasses.replace(app.config["SETTINGS"], allow_private_outbound=True)
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    with running_smtp() as server, receiving() as receiver:
        store = installed(fake, SHOP)
        store.settings = dict(store.settings or {}) | {"alert_recipients": ["risk@toys.example"]}
        configure_mail(store, backend="smtp", smtp_url=server.url)
        for _ in range(30):
            make_order(store, total_price="60.00")
        run_jobs()
        recipe = build_recipe("hold_high_risk_orders", {"alert_url": receiver.url})[1]
        make_automation(store, recipe)
        body = suspicious_order(7001)
        for _ in range(2):
            assert (
                deliver(client, "orders/create", body, SHOP, event_id="e-7001").status_code == 200
            )
        run_jobs()
        run_jobs()
        smtp.close_all()

        (mail,) = [r.email for r in server.received]
        (post,) = receiver.received
    assert mail["To"] == "risk@toys.example"
    assert "Order #7001 held: fraud risk high" in mail["Subject"]
    text = mail.get_body(("html",)).get_content()
    assert "billing country CA, shipping country US" in text
    secret = webhook_secret(store, app.config["SECRET_KEY"].encode())
    signature = "sha256=" + hmac.new(secret.encode(), post["body"], hashlib.sha256).hexdigest()
    assert post["headers"]["X-Ecomapp-Signature"] == signature
    sent = json.loads(post["body"])
    assert (sent["order"], sent["level"], sent["decision"]) == ("7001", "high", "held")
    assert "billing country CA, shipping country US" in sent["reasons"]
