"""Tuning page of the fraud review: the settings form."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from ecomapp.extensions import db
from ecomapp.insights.fraud.settings import DEFAULT_WEIGHTS, SIGNALS
from ecomapp.models import Store
from tests.automation_support import login
from tests.factories import make_store


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
