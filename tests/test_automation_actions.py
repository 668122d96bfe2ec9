"""Actions at their edge: signed merchant webhooks, retries, failures, schedules, stock."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import responses
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.actions import webhook_secret
from ecomapp.automation.schedules import fire_schedules
from ecomapp.extensions import db
from ecomapp.mirror.records import InventoryRecord
from ecomapp.models import Event, Order, Run, RunStep
from tests.automation_support import (
    count,
    deliver,
    effects,
    login,
    make_automation,
    messages,
    run_at,
)
from tests.factories import make_product, make_store, order_record

HOOK = "https://hooks.merchant.example/ecomapp"
NOTIFY = {
    "trigger": {"event": "order.created"},
    "steps": [
        {
            "type": "action",
            "action": "notify_merchant",
            "params": {"channel": "webhook", "url": HOOK, "title": "New order {{ order.name }}"},
        }
    ],
}


@responses.activate
def test_webhook_notification_is_signed_over_the_raw_body(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a webhook notification, when an order arrives, then one POST carries an
    HMAC-SHA256 signature of its exact body with the store's secret."""
    responses.post(HOOK, status=200)
    store = make_store()
    make_automation(store, NOTIFY)
    deliver(store, "order", order_record(platform_id="w-1", name="#W1"))
    run_jobs()
    assert len(responses.calls) == 1
    request = responses.calls[0].request
    secret = webhook_secret(store, app.config["SECRET_KEY"].encode())
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Ecomapp-Signature"], expected)
    assert b'"title": "New order #W1"' in request.body


@responses.activate
def test_transient_failure_is_retried_and_applied_once(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a receiver that answers 503 then 200, when the retry comes due, then the run
    completes with one effect and two attempts."""
    responses.post(HOOK, status=503)
    responses.post(HOOK, status=200)
    store = make_store()
    make_automation(store, NOTIFY)
    deliver(store, "order", order_record())
    run_jobs()
    run = db.session.scalar(select(Run))
    assert run.status == "retrying" and "503" in run.error
    run_at(app, datetime.now(UTC) + timedelta(hours=1))
    run_at(app, datetime.now(UTC) + timedelta(hours=2))
    step = db.session.scalar(select(RunStep))
    assert db.session.scalar(select(Run.status)) == "done"
    assert step.attempts == 2 and len(responses.calls) == 2 and effects(store) == 1


def test_failed_step_shows_its_reason_and_the_steps_it_stopped(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an alert to a store with no e-mail address followed by a tag step, when an order
    arrives, then the run fails at the alert with its reason, the tag step is recorded as not
    run because of it, no tag is applied, and the run page says so."""
    store = make_store(email=None)
    alert = {"channel": "email", "title": "New order"}
    make_automation(
        store,
        {
            "trigger": {"event": "order.created"},
            "steps": [
                {"type": "action", "action": "notify_merchant", "params": alert},
                {"type": "action", "action": "tag_order", "params": {"tags": ["alerted"]}},
            ],
        },
    )
    deliver(store, "order", order_record(platform_id="f-1"))
    run_jobs()
    run = db.session.scalar(select(Run))
    steps = db.session.scalars(select(RunStep).order_by(RunStep.step)).all()
    assert run.status == "failed" and "nor e-mail address" in run.error
    assert [(s.kind, s.status) for s in steps] == [
        ("notify_merchant", "failed"),
        ("tag_order", "not run"),
    ]
    assert steps[1].detail == {"because": "step 1 (notify_merchant) failed"}
    assert db.session.scalar(select(Order.tags)) == [] and effects(store) == 0
    login(client, store)
    page = client.get(f"/automations/runs/{run.id}").get_data(as_text=True)
    assert "Step 1 failed, so step 2 (tag_order) did not run." in page


@responses.activate
def test_permanent_failure_shows_error_and_retry_button_completes_it(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a receiver answering 400, then the run fails with that error; when the merchant
    presses retry after fixing it, then the run completes."""
    responses.post(HOOK, status=400)
    store = make_store()
    make_automation(store, NOTIFY)
    deliver(store, "order", order_record())
    run_jobs()
    run = db.session.scalar(select(Run))
    assert run.status == "failed" and "answered 400" in run.error
    csrf = login(client, store)
    page = client.get(f"/automations/runs/{run.id}").get_data(as_text=True)
    assert "answered 400" in page and 'data-testid="retry"' in page
    responses.replace(responses.POST, HOOK, status=204)
    reply = client.post(f"/automations/runs/{run.id}/retry", headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 303
    run_jobs()
    assert db.session.scalar(select(Run.status)) == "done" and effects(store) == 1


def test_low_stock_alert_fires_only_on_the_crossing(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given the low-stock recipe and a threshold of 5, when stock goes 10→4→3→8→2,
    then the merchant gets exactly two alerts (the two crossings)."""
    from ecomapp.automation.recipes import build_recipe

    store = make_store(email="owner@shop.example")
    make_automation(store, build_recipe("low_stock", {})[1])
    product = make_product(store, stock=10, threshold=5)
    variant = product.variants[0]
    for i, level in enumerate((4, 3, 8, 2)):
        at = datetime(2026, 2, 1, tzinfo=UTC) + timedelta(hours=i)
        rec = InventoryRecord(
            available=level, variant_platform_id=variant.platform_id, updated_at=at
        )
        deliver(store, "inventory", rec)
        run_jobs()
    alerts = messages(store, "merchant_alert")
    assert len(alerts) == 2 and all(m.to_email == "owner@shop.example" for m in alerts)
    assert "is down to 4" in alerts[0].html and "is down to 2" in alerts[1].html


def test_low_stock_uses_the_store_default_for_variants_without_a_threshold(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a store default of 10 and a variant without its own threshold, when stock goes
    12→9, then the merchant is alerted with threshold 10."""
    from ecomapp.automation.recipes import build_recipe

    store = make_store(email="owner@shop.example", settings={"low_stock_threshold": 10})
    make_automation(store, build_recipe("low_stock", {})[1])
    variant = make_product(store, stock=12, threshold=None).variants[0]
    rec = InventoryRecord(available=9, variant_platform_id=variant.platform_id)
    deliver(store, "inventory", rec)
    run_jobs()
    alerts = messages(store, "merchant_alert")
    assert len(alerts) == 1 and "(threshold 10)" in alerts[0].html


def test_schedule_fires_once_per_slot_in_the_store_time_zone(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a daily 09:00 schedule in New York, when the periodic job runs twice after
    09:00 local, then one event and one merchant e-mail exist; before 09:00 none."""
    store = make_store(email="owner@shop.example", timezone="America/New_York")
    definition = {
        "trigger": {"schedule": {"every": "day", "at": "09:00"}},
        "steps": [
            {
                "type": "action",
                "action": "notify_merchant",
                "params": {"channel": "email", "title": "Daily check"},
            }
        ],
    }
    automation = make_automation(store, definition)
    automation.enabled_at = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    db.session.commit()
    assert fire_schedules(datetime(2026, 3, 2, 13, 59, tzinfo=UTC)) == 0  # 08:59 EST
    assert fire_schedules(datetime(2026, 3, 2, 14, 1, tzinfo=UTC)) == 1  # 09:01 EST
    assert fire_schedules(datetime(2026, 3, 2, 14, 30, tzinfo=UTC)) == 0
    run_jobs()
    assert count(Event, Event.type == "schedule.fired") == 1
    assert count(Run) == 1 and len(messages(store, "merchant_alert")) == 1


def test_order_actions_land_through_the_demo_adapter(run_jobs: Callable[[], None]) -> None:
    """Given risk, hold, discount and e-mail steps, when an order arrives, then the order is
    flagged and held, and the customer's e-mail carries the code created for this run."""
    store = make_store()
    make_automation(
        store,
        {
            "trigger": {"event": "order.created"},
            "conditions": {"all": [{"field": "order.address_mismatch", "op": "=", "value": True}]},
            "steps": [
                {
                    "type": "action",
                    "action": "flag_order_risk",
                    "params": {"level": "high", "reasons": ["shipping differs from billing"]},
                },
                {
                    "type": "action",
                    "action": "hold_fulfillment",
                    "params": {"reason": "risk review"},
                },
                {
                    "type": "action",
                    "action": "create_discount",
                    "params": {"percent_off": 10, "prefix": "SORRY"},
                },
                {
                    "type": "action",
                    "action": "send_email",
                    "params": {"template": "discount_offer"},
                },
            ],
        },
    )
    rec = order_record(platform_id="risky")
    rec.addresses[1].country_code = "CA"
    deliver(store, "order", rec)
    deliver(store, "order", order_record(platform_id="fine"))
    run_jobs()
    risky = db.session.scalar(select(Order).where(Order.platform_id == "risky"))
    fine = db.session.scalar(select(Order).where(Order.platform_id == "fine"))
    assert risky.tags == ["risk-high"] and risky.status == "on-hold"
    assert "shipping differs from billing" in risky.note and fine.tags == []
    (mail,) = messages(store, "discount_offer")
    run = db.session.scalar(select(Run).where(Run.status == "done"))
    assert run.outputs["discount_code"].startswith("SORRY-")
    assert run.outputs["discount_code"] in mail.html


def test_product_unpublished_when_stock_runs_out(run_jobs: Callable[[], None]) -> None:
    """Given 'stock reaches 0 → unpublish', when a variant sells out, then the product is a
    draft."""
    store = make_store()
    make_automation(
        store,
        {
            "trigger": {"event": "inventory.changed"},
            "conditions": {
                "all": [{"field": "variant.inventory_quantity", "op": "<=", "value": 0}]
            },
            "steps": [{"type": "action", "action": "unpublish_product"}],
        },
    )
    product = make_product(store, stock=3)
    variant_pid = product.variants[0].platform_id
    at = datetime(2026, 2, 1, tzinfo=UTC)
    deliver(
        store,
        "inventory",
        InventoryRecord(available=0, variant_platform_id=variant_pid, updated_at=at),
    )
    run_jobs()
    db.session.refresh(product)
    assert product.status == "draft"
