"""The store's webhook signature secret lives on the Settings page and rotates exactly once."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import responses
from flask import Flask
from flask.testing import FlaskClient

from ecomapp.automation.actions import webhook_secret
from ecomapp.extensions import db
from tests.automation_support import deliver, login, make_automation
from tests.factories import make_store, order_record

HOOK = "https://hooks.merchant.example/rotated"
NOTIFY = {
    "trigger": {"event": "order.created"},
    "steps": [
        {
            "type": "action",
            "action": "notify_merchant",
            "params": {"channel": "webhook", "url": HOOK, "title": "Order {{ order.name }}"},
        }
    ],
}


def _shown_secret(client: FlaskClient) -> str:
    page = client.get("/settings").get_data(as_text=True)
    return page.split('data-testid="webhook-secret">')[1].split("<")[0]


def test_settings_show_the_secret_the_builder_no_longer_does(
    app: Flask, client: FlaskClient
) -> None:
    """Given a store, when its Settings and builder pages are shown, then only Settings carries
    the webhook secret, and it is the one webhooks are signed with."""
    store = make_store()
    login(client, store)
    secret = webhook_secret(store, app.config["SECRET_KEY"].encode())
    assert _shown_secret(client) == secret
    page = client.get("/settings").get_data(as_text=True)
    title = page.split("<title>")[1].split("</title>")[0]
    assert secret not in title and "<" not in title  # shown once, in the page's body
    assert page.count(secret) == 1
    assert secret not in client.get("/automations/new").get_data(as_text=True)


@responses.activate
def test_rotate_twice_from_the_same_page_rotates_once_and_webhooks_use_the_new_secret(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given the Settings page, when its rotate form is submitted twice (a double click), then
    the secret changes once, and the next webhook is signed with the new secret."""
    responses.post(HOOK, status=200)
    store = make_store()
    csrf = login(client, store)
    before = _shown_secret(client)
    form = {"csrf_token": csrf, "generation": "0"}
    first = client.post("/settings/webhook-secret/rotate", data=form)
    second = client.post("/settings/webhook-secret/rotate", data=form)
    assert first.status_code == second.status_code == 303
    assert "rotated=1" in first.headers["Location"] and "rotated=0" in second.headers["Location"]
    after = _shown_secret(client)
    db.session.refresh(store)
    assert after != before and after == webhook_secret(store, app.config["SECRET_KEY"].encode())
    assert store.settings["webhook_secret_generation"] == 1
    make_automation(store, NOTIFY)
    deliver(store, "order", order_record())
    run_jobs()
    request = responses.calls[0].request
    expected = "sha256=" + hmac.new(after.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Ecomapp-Signature"], expected)


def test_rotate_without_csrf_is_refused(client: FlaskClient) -> None:
    """Given a signed-in merchant, when rotate is posted without the CSRF token, then nothing
    changes."""
    store = make_store()
    login(client, store)
    reply = client.post("/settings/webhook-secret/rotate", data={"generation": "0"})
    assert reply.status_code in (400, 403)
    db.session.refresh(store)
    assert "webhook_secret_generation" not in (store.settings or {})
