"""Every recipe, created and switched on from the panel, runs end to end on the demo store."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.mirror.carts import sweep_abandoned
from ecomapp.mirror.records import CartRecord
from ecomapp.models import Automation, Backtest, Customer, Order, Run, Store
from tests.automation_support import deliver, login, messages, run_at
from tests.factories import customer_record, order_record


@pytest.fixture
def demo(app: Flask) -> Store:
    """Return a small seeded demo store."""
    result = seed_demo(SeedSize(customers=40, products=8, days=90, open_carts=0))
    return db.session.get(Store, result.store_id)


def _use_recipe(client: FlaskClient, store: Store, key: str, **params: str) -> Automation:
    csrf = login(client, store)
    reply = client.post(f"/automations/recipes/{key}", data=params, headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 303, reply.get_data(as_text=True)
    automation = db.session.scalar(select(Automation).order_by(Automation.id.desc()))
    toggled = client.post(f"/automations/{automation.id}/toggle", headers={"X-CSRF-Token": csrf})
    assert toggled.status_code == 200 and ">On<" in toggled.get_data(as_text=True)
    return automation


def _customer(platform_id: str) -> Customer:
    return db.session.scalar(select(Customer).where(Customer.platform_id == platform_id))


def test_welcome_email_on_account_creation(
    client: FlaskClient, demo: Store, run_jobs: Callable[[], None]
) -> None:
    """Given the welcome recipe, when a customer signs up, then they get the welcome e-mail."""
    _use_recipe(client, demo, "welcome")
    deliver(demo, "customer", customer_record(platform_id="new-1", email="ada@example.com"))
    run_jobs()
    assert [m.to_email for m in messages(demo, "welcome")] == ["ada@example.com"]


def test_first_order_above_value_joins_vip(
    client: FlaskClient, demo: Store, run_jobs: Callable[[], None]
) -> None:
    """Given the VIP recipe at 200, when a first order of 250 is paid, then the customer is
    in the VIP group and e-mailed; a first order of 100 is not."""
    _use_recipe(client, demo, "first_order_vip", min_total="200", group="VIP")
    big, small = customer_record(platform_id="vip-1"), customer_record(platform_id="vip-2")
    deliver(demo, "order", order_record(customer=big, total_price="250.00"))
    deliver(demo, "order", order_record(customer=small, total_price="100.00"))
    run_jobs()
    assert _customer("vip-1").tags == ["VIP"] and _customer("vip-2").tags == []
    assert len(messages(demo, "vip_welcome")) == 1


def test_spend_groups_follow_lifetime_spend(
    client: FlaskClient, demo: Store, run_jobs: Callable[[], None]
) -> None:
    """Given ranges 1000-3000 and 3000-5000, when spend reaches 1500 then 4000, then the
    customer moves from group 1 to group 2."""
    _use_recipe(client, demo, "spend_groups", ranges="1000-3000 = group 1\n3000-5000 = group 2")
    buyer = customer_record(platform_id="sp-1")
    deliver(demo, "order", order_record(customer=buyer, total_price="1500.00"))
    run_jobs()
    assert _customer("sp-1").tags == ["group 1"]
    later = datetime(2026, 1, 5, tzinfo=UTC)
    deliver(demo, "order", order_record(customer=buyer, total_price="2500.00", placed_at=later))
    run_jobs()
    assert _customer("sp-1").tags == ["group 2"]


def test_b2b_orders_are_routed(
    client: FlaskClient, demo: Store, run_jobs: Callable[[], None]
) -> None:
    """Given B2B routing, when a business customer orders, then the order is tagged and noted
    and the customer grouped; a consumer's order is untouched."""
    _use_recipe(client, demo, "b2b_routing", kind="b2b", order_tag="wholesale", group="B2B")
    business = customer_record(platform_id="b-1", kind="b2b", company="Acme")
    deliver(demo, "order", order_record(platform_id="bo-1", customer=business))
    deliver(demo, "order", order_record(platform_id="co-1"))
    run_jobs()
    routed = db.session.scalar(select(Order).where(Order.platform_id == "bo-1"))
    plain = db.session.scalar(select(Order).where(Order.platform_id == "co-1"))
    assert routed.tags == ["wholesale"] and "wholesale team" in routed.note
    assert plain.tags == [] and _customer("b-1").tags == ["B2B"]


def test_review_request_after_n_days(
    app: Flask, client: FlaskClient, demo: Store, run_jobs: Callable[[], None]
) -> None:
    """Given a 10-day review request, when 11 days pass, then one review e-mail is sent."""
    _use_recipe(client, demo, "review_request", days="10")
    deliver(demo, "order", order_record(platform_id="r-1"))
    run_jobs()
    run_at(app, datetime.now(UTC) + timedelta(days=9))
    assert messages(demo, "review_request") == []
    run_at(app, datetime.now(UTC) + timedelta(days=11))
    assert len(messages(demo, "review_request")) == 1


@pytest.mark.parametrize(
    ("field", "value", "matching"),
    [
        ("order.shipping_method", "Express", {"shipping_method": "Express"}),
        ("order.gateway", "paypal", {"gateway": "paypal"}),
        ("order.line_items.vendor", "Northpeak", {"vendor": "Northpeak"}),
        ("order.line_items.product_id", "p-77", {"product_platform_id": "p-77"}),
    ],
)
def test_order_rule_by_field(
    client: FlaskClient,
    demo: Store,
    run_jobs: Callable[[], None],
    field: str,
    value: str,
    matching: dict[str, str],
) -> None:
    """Given a rule 'field = value → tag express, status on-hold', when a matching order
    arrives, then it is tagged and held; another order is not."""
    _use_recipe(
        client, demo, "order_rule", field=field, value=value, tag="express", status="on-hold"
    )
    hit = order_record(platform_id="x-1")
    for key, val in matching.items():
        target = hit.lines[0] if key in ("vendor", "product_platform_id") else hit
        setattr(target, key, val)
    deliver(demo, "order", hit)
    deliver(demo, "order", order_record(platform_id="x-2", shipping_method="Standard"))
    run_jobs()
    express = db.session.scalar(select(Order).where(Order.platform_id == "x-1"))
    standard = db.session.scalar(select(Order).where(Order.platform_id == "x-2"))
    assert (express.tags, express.status) == (["express"], "on-hold")
    assert (standard.tags, standard.status) == ([], "open")


def _cart(platform_id: str, at: datetime) -> CartRecord:
    buyer = customer_record(platform_id=f"cart-buyer-{platform_id}", accepts_marketing=True)
    return CartRecord(
        platform_id=platform_id,
        email=buyer.email,
        customer=buyer,
        items=[{"title": "Rain Shell", "quantity": 1, "price": "120.00"}],
        total_price=Decimal("120.00"),
        updated_at=at,
        recovery_url=f"https://demo.example/cart/{platform_id}",
    )


def _follow_tracked_links(client: FlaskClient, html: str) -> set[str]:
    """Return where each signed click link of an e-mail redirects to."""
    targets = set()
    for path in re.findall(r'href="https?://[^/"]+(/m/c/[^"]+)"', html):
        reply = client.get(path)
        assert reply.status_code in (302, 303)
        targets.add(reply.headers["Location"])
    return targets


def test_abandoned_cart_sends_two_reminders(
    app: Flask, client: FlaskClient, demo: Store, run_jobs: Callable[[], None]
) -> None:
    """Given the abandoned-cart recipe, when a cart goes quiet, then a reminder goes out after
    1 h and a second after 24 h, each once."""
    _use_recipe(client, demo, "abandoned_cart")
    start = datetime.now(UTC)
    deliver(demo, "cart", _cart("cart-1", start))
    run_jobs()
    sweep_abandoned(start + timedelta(minutes=61))
    run_jobs()
    assert len(messages(demo, "abandoned_cart")) == 1
    run_at(app, start + timedelta(hours=25))
    run_at(app, start + timedelta(hours=26))
    assert len(messages(demo, "abandoned_cart_second")) == 1
    html = messages(demo, "abandoned_cart")[0].html
    assert "https://demo.example/cart/cart-1" in _follow_tracked_links(client, html)


def test_abandoned_cart_sequence_stops_when_the_cart_converts(
    app: Flask, client: FlaskClient, demo: Store, run_jobs: Callable[[], None]
) -> None:
    """Given a first reminder sent, when the cart becomes an order, then no second reminder."""
    _use_recipe(client, demo, "abandoned_cart")
    start = datetime.now(UTC)
    rec = _cart("cart-2", start)
    deliver(demo, "cart", rec)
    run_jobs()
    sweep_abandoned(start + timedelta(minutes=61))
    run_jobs()
    deliver(demo, "order", order_record(customer=rec.customer, cart_token="cart-2"))
    run_jobs()
    run_at(app, start + timedelta(hours=25))
    assert len(messages(demo, "abandoned_cart")) == 1
    assert messages(demo, "abandoned_cart_second") == []
    assert (
        db.session.scalar(select(Run.status).where(Run.event_type == "cart.abandoned")) == "exited"
    )


def test_backtest_from_the_panel_shows_would_be_effects_and_touches_nothing(
    client: FlaskClient, demo: Store, run_jobs: Callable[[], None]
) -> None:
    """Given the VIP recipe (not switched on), when a 90-day backtest runs, then its result
    lists runs and would-be actions (guest orders' customer steps as skipped) and no customer
    was tagged."""
    csrf = login(client, demo)
    client.post(
        "/automations/recipes/first_order_vip",
        data={"min_total": "50"},
        headers={"X-CSRF-Token": csrf},
    )
    automation = db.session.scalar(select(Automation))
    reply = client.post(
        f"/automations/{automation.id}/backtest",
        data={"days": "90"},
        headers={"X-CSRF-Token": csrf},
    )
    assert "queued" in reply.get_data(as_text=True)
    run_jobs()
    bt = db.session.scalar(select(Backtest))
    page = client.get(f"/automations/backtests/{bt.id}").get_data(as_text=True)
    assert bt.status == "done" and bt.summary["matched"] > 0
    grouped, guests = bt.summary["actions"]["add_to_group"], bt.summary["skipped"]
    assert grouped + guests.get("add_to_group", 0) == bt.summary["matched"]
    assert f"{bt.summary['matched']} runs" in page and "add_to_group" in page
    if guests:  # the demo's guest orders: the customer step is skipped, and the page says so
        assert "skipped on guest orders" in page
    tagged = select(Customer).where(Customer.store_id == demo.id, Customer.tags.like("%VIP%"))
    assert db.session.scalars(tagged).all() == [] and db.session.scalar(select(Run.id)) is None


@pytest.mark.parametrize(
    "key",
    [
        "welcome",
        "first_order_vip",
        "spend_groups",
        "b2b_routing",
        "review_request",
        "order_rule",
        "abandoned_cart",
        "low_stock",
    ],
)
def test_every_recipe_backtests_with_would_be_effects(
    client: FlaskClient, app: Flask, run_jobs: Callable[[], None], key: str
) -> None:
    """Given the demo store's history, when a recipe is backtested over 90 days from the
    panel, then it reports the actions it would have taken, and nothing changed."""
    from ecomapp.mirror.records import InventoryRecord
    from tests.factories import make_product

    store = db.session.get(Store, seed_demo(SeedSize(customers=60, products=8, days=90)).store_id)
    variant = make_product(store, stock=9, threshold=5).variants[0]
    at = datetime.now(UTC) - timedelta(days=2)
    deliver(
        store,
        "inventory",
        InventoryRecord(available=2, variant_platform_id=variant.platform_id, updated_at=at),
    )
    run_jobs()
    csrf = login(client, store)
    client.post(f"/automations/recipes/{key}", headers={"X-CSRF-Token": csrf})
    automation = db.session.scalar(select(Automation))
    client.post(
        f"/automations/{automation.id}/backtest",
        data={"days": "90"},
        headers={"X-CSRF-Token": csrf},
    )
    run_jobs()
    summary = db.session.scalar(select(Backtest.summary))
    assert summary["matched"] > 0 and sum(summary["actions"].values()) > 0, summary
    assert db.session.scalar(select(Run.id)) is None
