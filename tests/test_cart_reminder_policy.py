"""Cart reminders: the store's policy decides consent; empty carts are never swept or mailed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from time_machine import TimeMachineFixture

from ecomapp.events.bus import emit
from ecomapp.extensions import db
from ecomapp.mail.reminder_policy import default_policy
from ecomapp.mirror.carts import cart_facts, sweep_abandoned
from ecomapp.mirror.records import CartRecord
from ecomapp.models import Automation, Cart, Event, Message, Run, Store
from tests.automation_support import deliver, login, messages
from tests.factories import customer_record, make_store
from tests.mail_support import configure_mail

ITEMS = [{"title": "Tea Mug", "quantity": 1, "price": "9.00"}]


def _store(policy: str | None = None, **fields: Any) -> Store:
    settings = {"cart_reminder_policy": policy} if policy else {}
    store = make_store(settings=settings, **fields)
    configure_mail(store)
    return store


def _recipe(client: FlaskClient, store: Store) -> None:
    csrf = login(client, store)
    client.post("/automations/recipes/abandoned_cart", headers={"X-CSRF-Token": csrf})
    automation = db.session.scalar(select(Automation).order_by(Automation.id.desc()))
    client.post(f"/automations/{automation.id}/toggle", headers={"X-CSRF-Token": csrf})


def _cart(key: str, at: datetime, consent: bool, items: list[dict[str, Any]]) -> CartRecord:
    buyer = customer_record(platform_id=f"guest:{key}", accepts_marketing=consent)
    return CartRecord(
        platform_id=key,
        email=buyer.email,
        customer=buyer,
        items=items,
        total_price=Decimal("9.00") if items else Decimal("0"),
        updated_at=at,
        recovery_url=f"https://shop.example/cart/?ecomapp_cart={key}",
    )


def _abandon(store: Store, rec: CartRecord, run_jobs: Callable[[], None]) -> Message | None:
    deliver(store, "cart", rec)
    run_jobs()
    assert rec.updated_at is not None
    sweep_abandoned(rec.updated_at + timedelta(minutes=61))
    run_jobs()
    sent = messages(store, "abandoned_cart")
    return sent[0] if sent else None


@pytest.mark.parametrize(
    ("country", "policy"),
    [
        ("DE", "require_consent"),
        ("GB", "require_consent"),
        ("FR:75", "require_consent"),
        ("US:CA", "service_opt_out"),
        (None, "require_consent"),
    ],
)
def test_default_policy_follows_the_stores_country(country: str | None, policy: str) -> None:
    """Given a store's country, then EU/EEA/UK stores (and unknown) require consent, others
    send service messages."""
    assert default_policy(country) == policy


def test_require_consent_holds_back_a_guest_who_did_not_opt_in(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a store that requires consent, when a guest without consent abandons, then the
    reminder is suppressed, naming why."""
    store = _store("require_consent")
    _recipe(client, store)
    message = _abandon(store, _cart("k1", datetime.now(UTC), False, ITEMS), run_jobs)
    assert message is not None
    assert (message.status, message.error) == ("suppressed", "no marketing consent")


def test_service_policy_mails_a_guest_with_a_one_click_opt_out(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a store that sends reminders as service messages, when a guest without consent
    abandons, then one reminder goes, with its unsubscribe link."""
    store = _store("service_opt_out")
    _recipe(client, store)
    message = _abandon(store, _cart("k2", datetime.now(UTC), False, ITEMS), run_jobs)
    assert message is not None and message.status == "sent"
    assert message.kind == "cart_reminder" and "/m/u/" in message.html


def test_service_policy_honours_an_unsubscribe(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a shopper who unsubscribed, when their cart is abandoned, then no reminder."""
    store = _store("service_opt_out")
    _recipe(client, store)
    first = _abandon(store, _cart("k3", datetime.now(UTC), False, ITEMS), run_jobs)
    assert first is not None
    link = first.html.split('href="')[-1]
    path = "/m/u/" + link.split("/m/u/")[1].split('"')[0]
    assert client.post(path).status_code in (200, 204)
    later = datetime.now(UTC) + timedelta(days=3)
    rec = _cart("k4", later, False, ITEMS)
    rec.email = first.to_email
    rec.customer = customer_record(platform_id="guest:k3", email=first.to_email)
    _abandon(store, rec, run_jobs)
    second = messages(store, "abandoned_cart")[-1]
    assert second.id != first.id and second.error == "unsubscribed from marketing"


def test_an_empty_cart_is_never_abandoned_or_mailed(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a cart with an e-mail that was emptied, when it goes quiet, then the sweeper
    leaves it and no reminder is written."""
    store = _store("service_opt_out")
    _recipe(client, store)
    start = datetime.now(UTC)
    deliver(store, "cart", _cart("k5", start, True, ITEMS))
    run_jobs()
    assert _abandon(store, _cart("k5", start + timedelta(minutes=5), True, []), run_jobs) is None
    cart = db.session.scalar(select(Cart).where(Cart.platform_id == "k5"))
    assert cart.items == [] and cart.abandoned_at is None
    assert db.session.scalar(select(Event.id).where(Event.type == "cart.abandoned")) is None


def test_the_recipe_refuses_a_cart_without_items(client: FlaskClient) -> None:
    """Given the abandoned-cart recipe, then it runs only for carts with at least one item."""
    store = _store()
    _recipe(client, store)
    definition = db.session.scalar(select(Automation)).definition
    guard = {"field": "cart.item_count", "op": ">", "value": "0"}
    assert guard in definition["conditions"]["all"]
    kinds = {s["params"]["kind"] for s in definition["steps"] if s.get("type") == "action"}
    assert kinds == {"cart_reminder"}


def test_the_recipe_skips_an_empty_cart_whoever_reports_it_abandoned(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an empty cart reported abandoned by some other path than the sweeper, when the
    recipe sees it, then its item guard stops it: no run, no reminder."""
    store = _store("service_opt_out")
    _recipe(client, store)
    now = datetime.now(UTC)
    deliver(store, "cart", _cart("k7", now, True, ITEMS))
    deliver(store, "cart", _cart("k7", now + timedelta(minutes=1), True, []))
    run_jobs()
    cart = db.session.scalar(select(Cart).where(Cart.platform_id == "k7"))
    emit(store.id, "cart.abandoned", "cart", cart.id, cart_facts(cart), "abandoned:k7", now)
    db.session.commit()
    run_jobs()
    assert messages(store) == [] and db.session.scalar(select(Run.id)) is None


def test_quiet_hours_run_on_the_stores_clock(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None], time_machine: TimeMachineFixture
) -> None:
    """Given a Los Angeles store with quiet hours 21-8, when a cart is abandoned at 14:56 there
    (22:56 UTC), then the reminder goes at once, not at 08:00 UTC."""
    start = datetime(2026, 12, 1, 21, 55, tzinfo=UTC)  # 13:55 in Los Angeles
    time_machine.move_to(start, tick=False)
    store = make_store(timezone="America/Los_Angeles")
    configure_mail(store, quiet_start_hour=21, quiet_end_hour=8)
    _recipe(client, store)
    deliver(store, "cart", _cart("k6", start, True, ITEMS))
    run_jobs()
    time_machine.move_to(start + timedelta(minutes=61), tick=False)
    sweep_abandoned()
    run_jobs()
    (message,) = messages(store, "abandoned_cart")
    assert message.status == "sent"


def test_settings_show_and_save_the_policy(client: FlaskClient) -> None:
    """Given the settings page, then it shows the policy (default from the country), saves a
    choice, and refuses an unknown one naming the field; the recipe shows the choice."""
    store = _store()
    store.settings = {"country": "DE"}
    db.session.commit()
    csrf = login(client, store)
    page = client.get("/settings").get_data(as_text=True)
    assert '<option value="require_consent" selected>' in page
    form = {"csrf_token": csrf, "abandon_after_minutes": "60", "low_stock_threshold": "5"}
    saved = client.post("/settings", data=form | {"cart_reminder_policy": "service_opt_out"})
    assert saved.status_code == 200 and 'data-testid="saved"' in saved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Store, store.id).settings["cart_reminder_policy"] == "service_opt_out"
    refused = client.post("/settings", data=form | {"cart_reminder_policy": "spam"})
    assert refused.status_code == 422
    assert 'data-error="cart_reminder_policy"' in refused.get_data(as_text=True)
    recipes = client.get("/automations/recipes").get_data(as_text=True)
    assert "Service message with one-click opt-out" in recipes
