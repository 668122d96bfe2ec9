"""A connected store's facts are learned, and merchant alerts reach the recipients it names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Automation, Store
from ecomapp.models.types import utcnow
from ecomapp.registries import registries
from tests.automation_support import login, messages, run_at
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import client_transport, connect, woo_settings
from tests.fakes.woocommerce.server import ADMIN_EMAIL, FakeWooStore, running


@pytest.fixture
def fake(app: Flask, client: FlaskClient) -> Iterator[FakeWooStore]:
    """Return a loopback store with one stocked product, delivering webhooks to the app."""
    with woo_settings(app), running(FakeWooStore()) as store:
        store.transport = client_transport(client)
        yesterday = utcnow() - timedelta(days=1)
        store.add("products", wc.product(41, stock=20, low_stock=5, modified=yesterday))
        yield store


def _store() -> Store:
    return db.session.scalar(select(Store))


def test_connect_learns_email_time_zone_currency_and_stock_recipients(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a store, when connected, then its e-mail, zone, currency and recipients are kept."""
    connect(client, fake)
    run_jobs()
    store = _store()
    assert (store.name, store.email) == ("Tea & Biscuits Shop", ADMIN_EMAIL)
    assert (store.timezone, store.currency) == ("Europe/Paris", "EUR")
    expected = ["stock@shop.example.com", "buyer@shop.example.com"]
    assert store.settings["alert_recipients"] == expected


@pytest.mark.parametrize(
    ("timezone_string", "gmt_offset", "zone"),
    [
        ("", "-5", "Etc/GMT+5"),
        ("", "0", "UTC"),
        ("", "5.5", "UTC"),
        ("Mars/Base", "2", "Etc/GMT-2"),
    ],
)
def test_a_manual_utc_offset_becomes_a_zone_when_it_can(
    client: FlaskClient,
    fake: FakeWooStore,
    run_jobs: Callable[[], None],
    timezone_string: str,
    gmt_offset: str,
    zone: str,
) -> None:
    """Given WordPress set to a UTC offset, then a whole-hour offset is kept as an Etc zone."""
    fake.site |= {"timezone_string": timezone_string, "gmt_offset": gmt_offset}
    connect(client, fake)
    run_jobs()
    assert _store().timezone == zone


def _switch_on_low_stock(client: FlaskClient) -> str:
    csrf = login(client, _store())
    assert (
        client.post("/automations/recipes/low_stock", headers={"X-CSRF-Token": csrf}).status_code
        == 303
    )
    automation = db.session.scalar(select(Automation).order_by(Automation.id.desc()))
    client.post(f"/automations/{automation.id}/toggle", headers={"X-CSRF-Token": csrf})
    return csrf


def _sell_down(fake: FakeWooStore, stock: int) -> None:
    later = utcnow() + timedelta(minutes=1)
    fake.products[41] = wc.product(41, stock=stock, low_stock=5, modified=later)
    fake.deliver("product.updated", fake.products[41])


def test_low_stock_alert_reaches_every_recipient_the_store_names(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given the low-stock recipe on, when stock crosses 5, then each recipient is e-mailed."""
    connect(client, fake)
    run_jobs()
    _switch_on_low_stock(client)
    _sell_down(fake, 3)
    run_jobs()
    alerts = messages(_store(), "merchant_alert")
    assert sorted(m.to_email for m in alerts) == [
        "buyer@shop.example.com",
        "stock@shop.example.com",
    ]
    assert all("Low stock" in (m.subject or "") for m in alerts)


def test_recipients_saved_in_settings_receive_the_alert(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given recipients saved on the settings page, then the alert goes to them only."""
    connect(client, fake)
    run_jobs()
    csrf = _switch_on_low_stock(client)
    form = {"csrf_token": csrf, "abandon_after_minutes": "60", "low_stock_threshold": "5"}
    reply = client.post(
        "/settings", data=form | {"alert_recipients": "Ops@Example.com; b@example.com"}
    )
    assert reply.status_code == 200 and 'value="Ops@example.com, b@example.com"' in reply.get_data(
        as_text=True
    )
    _sell_down(fake, 2)
    run_jobs()
    alerts = messages(_store(), "merchant_alert")
    assert sorted(m.to_email for m in alerts) == ["Ops@example.com", "b@example.com"]


def test_invalid_recipient_is_refused_naming_the_field(
    client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given an address that is not one, then 422 names the field and nothing is saved."""
    connect(client, fake)
    run_jobs()
    csrf = login(client, _store())
    form = {"csrf_token": csrf, "abandon_after_minutes": "60", "low_stock_threshold": "5"}
    reply = client.post("/settings", data=form | {"alert_recipients": "ok@example.com, nope@"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and 'data-error="alert_recipients"' in page
    assert "Alert recipients: &#39;nope@&#39; is not a valid e-mail address" in page
    db.session.refresh(_store())
    assert _store().settings["alert_recipients"] == [
        "stock@shop.example.com",
        "buyer@shop.example.com",
    ]


def test_facts_are_kept_current_by_the_periodic_refresh(
    app: Flask, client: FlaskClient, fake: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a connected store, when the merchant moves it to Los Angeles in dollars and the
    periodic refresh runs, then the store's zone, currency and country follow."""
    connect(client, fake)
    run_jobs()
    fake.site |= {"timezone_string": "America/Los_Angeles", "gmt_offset": "-8"}
    general = fake.settings["general"]
    general["woocommerce_currency"]["value"] = "USD"
    general["woocommerce_default_country"]["value"] = "US:CA"
    path = "ecomapp.platforms.woocommerce.facts:refresh_all_store_facts"
    assert registries(app).periodic[path] == 6 * 3600
    run_at(app, utcnow() + timedelta(hours=7))
    run_jobs()
    store = _store()
    assert (store.timezone, store.currency) == ("America/Los_Angeles", "USD")
    assert store.settings["country"] == "US"
