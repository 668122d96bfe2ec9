"""The demo's 'Try it' page sends made-up events through the door, and automations react."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.admin.auth import login_token
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.mirror.carts import sweep_abandoned
from ecomapp.models import Automation, Cart, Event, InboxDelivery, Run, Store, Variant
from tests.factories import make_store


@pytest.fixture
def demo(client: FlaskClient) -> tuple[Store, dict[str, str]]:
    """Return the seeded demo store and the CSRF header of a signed-in session."""
    result = seed_demo(SeedSize(customers=30, products=6, days=60, open_carts=0))
    store = db.session.get(Store, result.store_id)
    page = client.get("/try/").get_data(as_text=True)
    token = page.split('"X-CSRF-Token": "')[1].split('"')[0]
    return store, {"X-CSRF-Token": token, "HX-Request": "true"}


def _types(store: Store) -> list[str]:
    stmt = select(Event.type).where(Event.store_id == store.id).order_by(Event.id)
    return list(db.session.scalars(stmt))


def test_order_button_delivers_an_order_through_the_door(
    client: FlaskClient, demo: tuple[Store, dict[str, str]], run_jobs: Callable[[], None]
) -> None:
    """Given the demo store, when 'order' is pressed, then an inbox row becomes order events."""
    store, headers = demo
    reply = client.post("/try/order", headers=headers)
    assert reply.status_code == 200 and "Delivered" in reply.get_data(as_text=True)
    assert db.session.scalar(select(InboxDelivery.topic)) == "order"
    run_jobs()
    assert {"order.created", "order.paid"} <= set(_types(store))
    assert "order.created" in client.get("/try/events").get_data(as_text=True)


def test_recipe_switched_on_reacts_to_a_signup(
    client: FlaskClient, demo: tuple[Store, dict[str, str]], run_jobs: Callable[[], None]
) -> None:
    """Given the welcome recipe on, when 'customer' is pressed, then a run is recorded."""
    store, headers = demo
    csrf = {"X-CSRF-Token": headers["X-CSRF-Token"]}
    assert client.post("/automations/recipes/welcome", headers=csrf).status_code == 303
    automation_id = db.session.scalar(select(Automation.id))
    assert client.post(f"/automations/{automation_id}/toggle", headers=csrf).status_code == 200
    client.post("/try/customer", headers=headers)
    run_jobs()
    assert "customer.created" in _types(store)
    assert db.session.scalar(select(func.count()).select_from(Run)) == 1


def test_cart_button_leaves_a_cart_the_sweeper_abandons(
    client: FlaskClient, demo: tuple[Store, dict[str, str]], run_jobs: Callable[[], None]
) -> None:
    """Given the demo store, when 'cart' is pressed, then the next sweep abandons that cart."""
    store, headers = demo
    client.post("/try/cart", headers=headers)
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(Cart)) == 1
    assert sweep_abandoned() == 1
    assert "cart.abandoned" in _types(store)


def test_stock_button_crosses_a_threshold(
    client: FlaskClient, demo: tuple[Store, dict[str, str]], run_jobs: Callable[[], None]
) -> None:
    """Given variants above their threshold, when 'stock' is pressed, then one drops below it."""
    _, headers = demo
    client.post("/try/stock", headers=headers)
    run_jobs()
    event = db.session.scalar(select(Event).where(Event.type == "inventory.changed"))
    assert event is not None and event.data["available"] < event.data["threshold"]
    assert event.data["previous"] >= event.data["threshold"]
    variant = db.session.get(Variant, event.data["variant_id"])
    assert variant.inventory_quantity == event.data["available"]


def test_try_it_is_only_for_the_demo_store(client: FlaskClient) -> None:
    """Given a real Shopify store's session, then the page is not there and nothing is sent."""
    store = make_store(platform="shopify", domain="real.myshopify.com")
    client.get(f"/login/{login_token(store)}")
    assert client.get("/try/").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(InboxDelivery)) == 0


def test_subscriber_button_signs_up_confirms_and_starts_the_welcome_series(
    client: FlaskClient, demo: tuple[Store, dict[str, str]], run_jobs: Callable[[], None]
) -> None:
    """Given the welcome-series recipe on, when 'subscriber' is pressed, then a confirmed
    signup with its consent, one customer.subscribed event and one run of the recipe."""
    from ecomapp.models import ConsentRecord, Signup

    store, headers = demo
    csrf = {"X-CSRF-Token": headers["X-CSRF-Token"]}
    reply = client.post("/automations/recipes/welcome_subscribers", headers=csrf)
    assert reply.status_code == 303, reply.get_data(as_text=True)
    automation_id = db.session.scalar(select(Automation.id))
    assert client.post(f"/automations/{automation_id}/toggle", headers=csrf).status_code == 200
    pressed = client.post("/try/subscriber", headers=headers)
    assert "Delivered" in pressed.get_data(as_text=True)
    run_jobs()
    signup = db.session.scalar(select(Signup))
    assert signup is not None and signup.status == "subscribed" and signup.source == "demo"
    consent = db.session.scalar(select(ConsentRecord))
    assert consent is not None and consent.email == signup.email and consent.granted
    assert _types(store).count("customer.subscribed") == 1
    assert db.session.scalar(select(func.count()).select_from(Run)) == 1
