"""Platform effects once: a worker killed after the platform took a note, a discount code or
a merchant webhook, but before the effect was recorded, is retried without repeating it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.models import Run, Store
from tests.automation_support import deliver as deliver_demo
from tests.automation_support import effects, make_automation
from tests.effects_support import (
    DISCOUNT,
    NOTE,
    on_order,
    retry_later,
    run_worker_until_killed,
)
from tests.factories import make_store, order_record
from tests.fakes.merchant_receiver import receiving
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running


@pytest.fixture
def woo(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a connected loopback WooCommerce store with one customer."""
    with woo_settings(app, allow_private_outbound=True), running(FakeWooStore()) as store:
        store.add("customers", wc.customer(5))
        connect(client, store)
        run_jobs()
        yield store


def _woo_order_arrives(client: FlaskClient, woo: FakeWooStore) -> None:
    woo.add("orders", wc.order(728, customer_id=5))
    assert deliver(client, hook_for(woo, "order.created"), woo.orders[728]).status_code == 200


def test_worker_killed_after_woocommerce_note_then_retried_notes_once(
    client: FlaskClient,
    woo: FakeWooStore,
    database_url: str,
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
) -> None:
    """Given a note step, when the worker dies right after WooCommerce stored the note and its
    batch is retried, then the order has exactly one note, carrying the effect's marker."""
    store = db.session.scalar(select(Store))
    make_automation(store, on_order(NOTE))
    _woo_order_arrives(client, woo)

    def arm(kill: Callable[[], None]) -> None:
        woo.on_write = lambda kind: kill() if kind == "note" else None

    run_worker_until_killed(database_url, arm, stranded=None)  # the batch took the note
    woo.on_write = None
    retry_later(time_machine, run_jobs)
    (note,) = [n["note"] for order_id, n in woo.notes if order_id == 728]
    assert re.fullmatch(r"Checked #728 \[ecomapp:[0-9a-f]{12}\]", note)
    assert effects(store) == 1


def test_worker_killed_after_woocommerce_coupon_then_retried_creates_one_code(
    client: FlaskClient,
    woo: FakeWooStore,
    database_url: str,
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
) -> None:
    """Given a discount step, when the worker dies right after WooCommerce created the coupon
    and the run is retried, then one coupon exists and the run records its id and code."""
    store = db.session.scalar(select(Store))
    make_automation(store, on_order(DISCOUNT))
    _woo_order_arrives(client, woo)

    def arm(kill: Callable[[], None]) -> None:
        woo.on_write = lambda kind: kill() if kind == "coupon" else None

    run_worker_until_killed(database_url, arm)
    woo.on_write = None
    retry_later(time_machine, run_jobs)
    (coupon,) = woo.coupons
    run = db.session.scalar(select(Run))
    assert coupon["code"] == run.outputs["discount_code"].lower()
    refused = [r for r in woo.requests if r[0] == "POST" and r[1].endswith("/coupons")]
    assert len(refused) == 2  # the retry's create was refused as a duplicate, then found
    assert effects(store) == 1


def test_worker_killed_after_merchant_webhook_then_retried_repeats_the_idempotency_key(
    app: Flask,
    database_url: str,
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a webhook notification, when the worker dies right after the receiver got it and
    the run is retried, then every delivery carries the same Idempotency-Key."""
    settings = dataclasses.replace(app.config["SETTINGS"], allow_private_outbound=True)
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    with receiving() as receiver:
        store = make_store()
        step = {
            "type": "action",
            "action": "notify_merchant",
            "params": {
                "channel": "webhook",
                "url": receiver.url,
                "title": "Order {{ order.name }}",
            },
        }
        make_automation(store, on_order(step))
        deliver_demo(store, "order", order_record(platform_id="k-1", name="#K1"))

        def arm(kill: Callable[[], None]) -> None:
            receiver.on_request = kill

        run_worker_until_killed(database_url, arm)
        receiver.on_request = None
        retry_later(time_machine, run_jobs)
    keys = {r["headers"].get("Idempotency-Key") for r in receiver.received}
    assert len(receiver.received) == 2 and len(keys) == 1 and None not in keys
    assert keys == {r["headers"]["X-Ecomapp-Idempotency-Key"] for r in receiver.received}
    assert effects(store) == 1
