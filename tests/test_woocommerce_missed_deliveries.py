"""Deliveries WooCommerce lost or stopped sending are caught up within minutes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.models import Event, Order, WooSite
from ecomapp.models.types import utcnow
from tests.automation_support import count, run_at
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import client_transport, connect, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running

T0 = datetime(2026, 12, 1, 10, 0, 10, tzinfo=UTC)


@pytest.fixture
def outage() -> list[bool]:
    """Return a switch: while it holds True the app's door answers 503."""
    return [False]


@pytest.fixture
def fake(
    app: Flask, client: FlaskClient, outage: list[bool], time_machine: TimeMachineFixture
) -> Iterator[FakeWooStore]:
    """Return a connected store (webhooks made, history imported) delivering to the app."""
    time_machine.move_to(T0, tick=False)
    with woo_settings(app), running(FakeWooStore()) as store:
        store.transport = client_transport(client, lambda: outage[0])
        connect(client, store)
        run_at(app, utcnow())
        run_at(app, utcnow())  # the jobs the first tick's periodic work enqueued
        yield store


def _order(order_id: int) -> dict:
    return wc.order(order_id, created=utcnow(), modified=utcnow())


def _minutes_until_mirrored(app: Flask, time_machine: TimeMachineFixture, wanted: int) -> int:
    """Advance the clock a minute at a time, ticking; return the minutes until all arrived."""
    start = utcnow()
    for minute in range(1, 61):
        time_machine.move_to(start + timedelta(minutes=minute), tick=False)
        run_at(app, utcnow())
        if count(Order) == wanted:
            return minute
    return 61


def test_outage_that_disables_webhooks_is_caught_up_within_minutes(
    app: Flask, fake: FakeWooStore, outage: list[bool], time_machine: TimeMachineFixture
) -> None:
    """Given an outage that made WooCommerce disable our order hooks, then all in minutes."""
    disabled = [hook_for(fake, "order.created")["id"], hook_for(fake, "order.updated")["id"]]
    outage[0] = True
    time_machine.move_to(T0 + timedelta(minutes=1), tick=False)
    for order_id in range(800, 807):  # 7 orders: 7 failed deliveries per hook, then disabled
        fake.place_order(_order(order_id))
    outage[0] = False
    assert {fake.webhooks[i]["status"] for i in disabled} == {"disabled"}
    assert fake.place_order(_order(807)) == []  # a disabled webhook sends nothing more
    assert _minutes_until_mirrored(app, time_machine, wanted=8) <= 3
    assert count(Event, Event.type == "order.created") == 8
    assert not set(disabled) & set(fake.webhooks)  # deleted, not re-enabled
    site_hooks = db.session.scalar(select(WooSite.webhook_ids))
    assert fake.webhooks[site_hooks["order.created"]]["status"] == "active"
    assert fake.place_order(_order(808)) == [200, 200]


def test_short_outage_losing_deliveries_is_reconciled_within_minutes(
    app: Flask, fake: FakeWooStore, outage: list[bool], time_machine: TimeMachineFixture
) -> None:
    """Given a 5-second outage that lost 3 orders (hooks still active), then all in minutes."""
    outage[0] = True
    time_machine.move_to(T0 + timedelta(minutes=1), tick=False)
    statuses = [s for order_id in (810, 811, 812) for s in fake.place_order(_order(order_id))]
    outage[0] = False
    assert set(statuses) == {503}
    assert hook_for(fake, "order.created")["status"] == "active"
    assert _minutes_until_mirrored(app, time_machine, wanted=3) <= 5
    assert count(Event, Event.type == "order.created") == 3


def test_health_check_is_one_request_when_all_is_well(
    app: Flask, fake: FakeWooStore, time_machine: TimeMachineFixture
) -> None:
    """Given healthy webhooks, when the health check runs, then it reads one page, no writes."""
    fake.requests.clear()
    time_machine.move_to(T0 + timedelta(minutes=3), tick=False)
    run_at(app, utcnow())
    run_at(app, utcnow())
    hooks = [(m, p, q) for m, p, q in fake.requests if "/webhooks" in p]
    assert [(m, q["status"]) for m, p, q in hooks] == [("GET", ["all"])]
