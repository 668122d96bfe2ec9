"""Web Push end to end: keys, a builder push under quiet hours and the cap, 410, tracked clicks."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import PushMessage, PushSubscription, Store
from ecomapp.push.keys import generate_keys
from tests.automation_support import deliver, make_automation, run_at
from tests.factories import customer_record, make_store, order_record
from tests.mail_support import configure_mail
from tests.push_support import push_ready
from tests.storefront_support import proxy_query

EVENING = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)  # inside 21:00-08:00 quiet hours (UTC store)
CLICKED = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)
PUSH_STEP = {
    "type": "action",
    "action": "send_push",
    "params": {
        "title": "Hi {{ customer.first_name }}",
        "body": "New in",
        "url": "https://x.test/n",
    },
}


def _subscribe(client: FlaskClient, store: Store, subscription: dict, customer: str) -> None:
    query = proxy_query(store.domain, {"logged_in_customer_id": customer})
    body = {"subscription": json.dumps(subscription), "consent": "1", "consent_text": "Allow"}
    reply = client.post(f"/storefront/push/subscribe?{query}", data=body)
    assert reply.status_code == 201, reply.get_data(as_text=True)


def test_push_keys_command_prints_a_usable_pair(runner: FlaskCliRunner) -> None:
    """When `flask push-keys` runs, then it prints both variables; the public key is a P-256
    uncompressed point (65 bytes) and the private one a 32-byte scalar."""
    out = runner.invoke(args=["push-keys"]).output
    values = dict(line.split("=", 1) for line in out.split())
    raw = {k: base64.urlsafe_b64decode(v + "==") for k, v in values.items()}
    assert len(raw["VAPID_PUBLIC_KEY"]) == 65 and len(raw["VAPID_PRIVATE_KEY"]) == 32


def test_builder_push_waits_out_quiet_hours_and_the_cap_then_click_is_tracked(
    app: Flask, client: FlaskClient, time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a customer subscribed on the storefront and an automation that pushes on each new
    customer event, when it fires at 22:00, then nothing goes until 08:00; a second push the
    same morning waits for the 16 h cap; the click redirects, is recorded, and the
    customer's next order is credited to it."""
    time_machine.move_to(EVENING, tick=False)
    store = make_store("shopify", domain="push-shop.myshopify.com")
    configure_mail(store, quiet_start_hour=21, quiet_end_hour=8, frequency_cap_hours=16)
    definition = {"trigger": {"event": "customer.created"}, "steps": [PUSH_STEP]}
    make_automation(store, definition)

    def at(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)
        run_at(app, moment)

    with push_ready(app) as service:
        _subscribe(client, store, service.browser("ann").subscription(service.url), "777")
        deliver(store, "customer", customer_record(platform_id="777", first_name="Ann"))
        at(EVENING)
        assert service.delivered == []
        at(datetime(2026, 6, 2, 8, 1, tzinfo=UTC))
        assert [d["title"] for d in service.delivered] == ["Hi Ann"]
        deliver(store, "customer", customer_record(platform_id="778", first_name="Bo"))
        _subscribe(client, store, service.browser("ann").subscription(service.url), "778")
        second = customer_record(platform_id="778", first_name="Bo", email="bo@x.test")
        deliver(store, "customer", second)
        at(datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
        held = db.session.scalars(select(PushMessage).where(PushMessage.status == "pending"))
        assert [m.delay_reason for m in held] == ["delayed by frequency cap"]
        at(datetime(2026, 6, 3, 0, 5, tzinfo=UTC))  # cap over, quiet hours again
        assert len(service.delivered) == 1
        at(datetime(2026, 6, 3, 8, 5, tzinfo=UTC))
        assert len(service.delivered) == 2
    time_machine.move_to(CLICKED, tick=False)
    token = service.delivered[0]["url"].rsplit("/", 1)[1]
    reply = client.get(f"/p/c/{token}")
    assert reply.status_code == 302 and reply.headers["Location"] == "https://x.test/n"
    clicked = db.session.scalar(select(PushMessage).where(PushMessage.click_token == token))
    assert clicked is not None and clicked.clicked_at is not None
    buyer = customer_record(platform_id="777", first_name="Ann")
    order = order_record(
        customer=buyer, total_price="42.00", placed_at=CLICKED + timedelta(hours=1)
    )
    deliver(store, "order", order)
    at(CLICKED + timedelta(hours=2))
    db.session.refresh(clicked)
    assert clicked.order_id is not None and str(clicked.revenue) == "42.00"


def test_gone_subscription_is_removed_and_never_sent_again(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a subscription whose browser unsubscribed (the service answers 410), when a push
    goes, then the subscription is removed and the next push does not reach the service."""
    store = make_store("shopify", domain="gone-shop.myshopify.com")
    configure_mail(store)
    make_automation(store, {"trigger": {"event": "customer.created"}, "steps": [PUSH_STEP]})
    with push_ready(app) as service:
        browser = service.browser("old")
        _subscribe(client, store, browser.subscription(service.url), "900")
        browser.gone = True
        deliver(store, "customer", customer_record(platform_id="900"))
        run_jobs()
        run_jobs()
        sub = db.session.scalar(select(PushSubscription))
        message = db.session.scalar(select(PushMessage))
        assert sub.removed_at is not None and "410" in (sub.removed_reason or "")
        assert message.status == "gone" and service.refused == [("old", 410, "subscription gone")]
        deliver(store, "customer", customer_record(platform_id="901"))
        run_jobs()
        assert len(service.refused) == 1 and service.delivered == []


def test_push_signed_with_another_key_is_refused_and_the_subscription_kept(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a push service that knows another application server key (the deployment's keys
    changed), when a push goes, then the service refuses the VAPID token, the message is
    failed with the reason and the subscription is kept (it is not gone)."""
    store = make_store("shopify", domain="rekeyed-shop.myshopify.com")
    configure_mail(store)
    make_automation(store, {"trigger": {"event": "customer.created"}, "steps": [PUSH_STEP]})
    with push_ready(app) as service:
        _subscribe(client, store, service.browser("k").subscription(service.url), "950")
        service.vapid_public_key = generate_keys().public_key
        deliver(store, "customer", customer_record(platform_id="950"))
        run_jobs()
        run_jobs()
    message = db.session.scalar(select(PushMessage))
    assert message.status == "failed" and "403" in (message.error or "")
    assert service.delivered == [] and service.refused[0][1] == 403
    assert db.session.scalar(select(PushSubscription)).removed_at is None


def test_production_without_keys_hands_out_no_key(app: Flask, client: FlaskClient) -> None:
    """Given a production deployment without VAPID keys, when the storefront asks for the key,
    then 503 says push is not configured (no dev pair is generated, never a 500)."""
    store = make_store("shopify", domain="keyless-shop.myshopify.com")
    saved = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(saved, env="production")
    try:
        reply = client.get(f"/storefront/push/key?{proxy_query(store.domain)}")
    finally:
        app.config["SETTINGS"] = saved
    assert reply.status_code == 503 and "not configured" in reply.get_data(as_text=True)
