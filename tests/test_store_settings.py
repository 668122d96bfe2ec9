"""Store settings the automations read: saved per store, refused by field when invalid."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from ecomapp.admin.auth import login_token
from ecomapp.extensions import db
from ecomapp.mirror.carts import apply_cart, sweep_abandoned
from ecomapp.mirror.records import CartRecord
from ecomapp.models import Store, utcnow
from tests.factories import make_store


def _login(client: FlaskClient, store: Store) -> str:
    client.get(f"/login/{login_token(store)}")
    page = client.get("/settings").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_saved_abandon_delay_changes_when_carts_are_abandoned(client: FlaskClient) -> None:
    """Given a 30-minute setting saved in the panel, then a cart quiet 31 minutes is abandoned."""
    store = make_store()
    token = _login(client, store)
    form = {"csrf_token": token, "abandon_after_minutes": "30", "low_stock_threshold": "5"}
    reply = client.post("/settings", data=form)
    assert reply.status_code == 200 and 'data-testid="saved"' in reply.get_data(as_text=True)
    quiet = utcnow() - timedelta(minutes=31)
    items = [{"title": "Mug", "quantity": 1, "price": "9.00"}]
    rec = CartRecord(platform_id="k1", email="a@example.com", items=items, updated_at=quiet)
    apply_cart(store, rec)
    db.session.commit()
    assert sweep_abandoned() == 1


def test_invalid_value_is_refused_naming_the_field_and_nothing_is_saved(
    client: FlaskClient,
) -> None:
    """Given -3 and 'lots', then 422 names both fields and the settings stay as they were."""
    store = make_store()
    token = _login(client, store)
    form = {"csrf_token": token, "abandon_after_minutes": "-3", "low_stock_threshold": "lots"}
    reply = client.post("/settings", data=form)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "cart is abandoned after (minutes): must be between 10 and 10080" in page
    assert "Default low-stock threshold: must be a whole number, got &#39;lots&#39;" in page
    db.session.refresh(store)
    assert "abandon_after_minutes" not in store.settings


def test_settings_belong_to_the_signed_in_store_and_need_csrf(client: FlaskClient) -> None:
    """Given two stores, when B saves, then A is untouched; without the token it is refused."""
    store_a, store_b = make_store(), make_store()
    token = _login(client, store_b)
    form = {"abandon_after_minutes": "90", "low_stock_threshold": "7"}
    assert client.post("/settings", data=form).status_code == 403
    assert client.post("/settings", data=form | {"csrf_token": token}).status_code == 200
    db.session.refresh(store_a)
    db.session.refresh(store_b)
    assert store_b.settings["low_stock_threshold"] == 7 and store_a.settings == {}
