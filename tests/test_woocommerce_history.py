"""A store's history lands in the mirror silently; only what happens after the import fires."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Automation, Customer, Event, Order, Run, Store
from ecomapp.models.types import utcnow
from tests.automation_support import count, login, messages
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import client_transport, connect, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running

OLD = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def fake(app: Flask, client: FlaskClient) -> Iterator[FakeWooStore]:
    """Return a loopback store with a year of history, delivering webhooks to the app."""
    with woo_settings(app), running(FakeWooStore()) as store:
        store.transport = client_transport(client)
        store.add(
            "customers", *(wc.customer(i, f"c{i}@example.com", created=OLD) for i in range(1, 6))
        )
        store.add("orders", *(wc.order(700 + i, customer_id=i, created=OLD) for i in range(1, 4)))
        yield store


def _switch_on_welcome(client: FlaskClient) -> None:
    store = db.session.scalar(select(Store))
    csrf = login(client, store)
    reply = client.post("/automations/recipes/welcome", headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 303, reply.get_data(as_text=True)
    automation = db.session.scalar(select(Automation).order_by(Automation.id.desc()))
    toggled = client.post(f"/automations/{automation.id}/toggle", headers={"X-CSRF-Token": csrf})
    assert ">On<" in toggled.get_data(as_text=True)


def _welcomed() -> list[str]:
    return [m.to_email for m in messages(db.session.scalar(select(Store)), "welcome")]


def test_import_of_history_sends_nothing_and_a_new_customer_after_gets_one_welcome(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given the welcome e-mail on, when a store with history connects, then no mail; a new one."""
    connect(client, fake)
    _switch_on_welcome(client)
    run_jobs()
    assert count(Customer) == 5 and count(Order) == 3
    assert _welcomed() == [] and count(Run) == 0
    assert count(Event, Event.type.in_(["customer.created", "order.created"])) == 0
    fake.register_customer(wc.customer(77, "new@example.com", created=utcnow()))
    run_jobs()
    assert _welcomed() == ["new@example.com"] and count(Run) == 1


def test_record_changed_after_the_import_started_still_fires(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a customer registered while the import ran, then that one customer is welcomed."""
    fake.add("customers", wc.customer(9, "during@example.com", created=utcnow() + timedelta(0, 30)))
    connect(client, fake)
    _switch_on_welcome(client)
    run_jobs()
    assert _welcomed() == ["during@example.com"]


def test_reconnecting_does_not_replay_what_happened_while_disconnected(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given the welcome e-mail on and a disconnect, when customers came meanwhile, no mail."""
    connect(client, fake)
    run_jobs()
    _switch_on_welcome(client)
    page = client.get("/woocommerce").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/woocommerce/disconnect", data={"csrf_token": token})
    meanwhile = utcnow() - timedelta(minutes=30)
    fake.add("customers", wc.customer(40, "meanwhile@example.com", created=meanwhile))
    connect(client, fake)
    run_jobs()
    assert count(Customer) == 6 and _welcomed() == [] and count(Run) == 0
