"""Tuning pages of the fraud review: the settings form, and the backtest over the last days."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.insights.fraud.settings import DEFAULT_WEIGHTS, SIGNALS
from ecomapp.mirror.records import AddressRecord
from ecomapp.models import Store
from tests.automation_support import login
from tests.factories import make_order, make_store

FEB = datetime(2026, 2, 10, tzinfo=UTC)


def _form(**changes: str) -> dict[str, str]:
    """Return the settings form as the page fills it with the defaults, with changes."""
    form = {
        "first_order_percentile": "95",
        "first_order_amount": "",
        "unusual_address_multiple": "2.5",
        "velocity_hour": "2",
        "velocity_day": "4",
        "medium_at": "30",
        "high_at": "60",
    }
    for name in SIGNALS:
        form[f"signals.{name}.enabled"] = "on"
        form[f"signals.{name}.weight"] = str(DEFAULT_WEIGHTS[name])
    return form | changes


def test_settings_are_saved_and_shown_again(app: Flask, client: FlaskClient) -> None:
    """Given the defaults, when the merchant switches velocity off, lowers a weight, sets an
    amount and raises the high threshold, then the store keeps them and the page shows them."""
    store = make_store()
    csrf = login(client, store)
    form = _form(first_order_amount="800", high_at="70")
    del form["signals.velocity.enabled"]
    form["signals.disposable_email.weight"] = "10"

    reply = client.post("/fraud/settings", data=form | {"csrf_token": csrf})

    assert reply.status_code == 200 and 'data-testid="saved"' in reply.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Store, store.id).settings["fraud"]
    assert saved["signals"]["velocity"] == {"enabled": False, "weight": 35}
    assert saved["signals"]["disposable_email"]["weight"] == 10
    assert (saved["first_order_amount"], saved["high_at"]) == ("800", 70)
    page = client.get("/fraud/settings").get_data(as_text=True)
    assert 'name="high_at" value="70"' in page
    assert re.search(r'name="signals.velocity.enabled" aria-label="velocity on" >', page)


def test_invalid_settings_are_refused_naming_the_field(app: Flask, client: FlaskClient) -> None:
    """Given the settings page, when a weight is out of range, a threshold is not a number or
    medium is not below high, then each answer is 400 naming the field and nothing is saved."""
    store = make_store()
    csrf = {"csrf_token": login(client, store)}
    cases = {
        "signals.velocity.weight": _form(**{"signals.velocity.weight": "150"}),
        "high_at": _form(high_at="lots"),
        "medium_at": _form(medium_at="70", high_at="60"),
        "first_order_amount": _form(first_order_amount="-5"),
    }
    for field, form in cases.items():
        reply = client.post("/fraud/settings", data=form | csrf)
        assert reply.status_code == 400, field
        assert f'data-error="{field}"' in reply.get_data(as_text=True), field
    db.session.expire_all()
    assert "fraud" not in (db.session.get(Store, store.id).settings or {})


def _places(billing: str, shipping: str) -> list[AddressRecord]:
    return [
        AddressRecord(kind="billing", name="A B", zip="10001", country_code=billing),
        AddressRecord(kind="shipping", name="A B", zip="10001", country_code=shipping),
    ]


def test_backtest_page_shows_flagged_held_precision_and_recall(
    app: Flask, client: FlaskClient, time_machine: TimeMachineFixture
) -> None:
    """Given 25 ordinary orders, a gift shipped abroad and two orders cancelled as fraud,
    when the backtest page runs over 90 days, then the current settings hold the two frauds
    (precision and recall 100%) and the address check alone holds three (67%, 100%); a bad
    day count is refused naming `days`; another store's orders are not counted."""
    time_machine.move_to(datetime(2026, 3, 1, tzinfo=UTC), tick=False)
    store, other = make_store(), make_store()
    for i in range(25):
        make_order(store, total_price="60.00", client_ip=f"12.0.0.{i + 1}", placed_at=FEB)
    make_order(store, total_price="70.00", addresses=_places("US", "GB"), placed_at=FEB)
    for i in range(2):
        make_order(
            store,
            total_price="1500.00",
            client_ip=f"197.210.0.{i + 1}",
            addresses=_places("CA", "US"),
            cancel_reason="fraud",
            placed_at=FEB,
        )
    make_order(other, total_price="900.00", cancel_reason="fraud", placed_at=FEB)
    db.session.commit()
    login(client, store)

    page = client.get("/fraud/backtest?days=90").get_data(as_text=True)
    refused = client.get("/fraud/backtest?days=0")

    assert "28 orders in the last 90 days; 2 known fraud" in page
    assert (
        "<tr><td>current settings</td><td>3</td><td>2</td><td>100%</td><td>100%</td></tr>" in page
    )
    assert (
        "<tr><td>address mismatch alone</td><td>3</td><td>3</td><td>67%</td><td>100%</td></tr>"
        in page
    )
    assert refused.status_code == 400 and "days: must be" in refused.get_data(as_text=True)


def test_opening_the_backtest_page_shows_the_form_and_scores_nothing(
    app: Flask, client: FlaskClient
) -> None:
    """Given a store with orders, when the backtest page opens without days, then it shows the
    form (30 days filled in) and no result: scoring runs only when the merchant asks."""
    store = make_store()
    make_order(store, total_price="10.00", cancel_reason="fraud")
    db.session.commit()
    login(client, store)

    page = client.get("/fraud/backtest")

    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="days" value="30"' in text
    assert "backtest-summary" not in text and "backtest-rows" not in text
