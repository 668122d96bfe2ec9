"""The demo store seeds deterministically and the panel shows its counts, per store."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from time_machine import TimeMachineFixture

from ecomapp.admin.auth import login_token
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.models import Cart, Customer, Order, Product, Store
from tests.factories import make_order, make_store


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _snapshot() -> list[tuple[object, ...]]:
    rows = db.session.execute(
        select(Customer.email, Customer.orders_count, Customer.total_spent).order_by(Customer.id)
    )
    return [tuple(r) for r in rows]


def test_seed_demo_cli_builds_a_store_with_history(runner: FlaskCliRunner) -> None:
    """Given `flask seed-demo --customers 200`, then a demo store with a year of orders exists."""
    result = runner.invoke(args=["seed-demo", "--customers", "200", "--products", "20"])
    assert result.exit_code == 0, result.output
    assert "200 customers" in result.output
    assert _count(Customer) == 200 and _count(Product) == 20
    assert _count(Order) > 100 and _count(Cart) >= 5
    spent = db.session.scalar(select(func.max(Customer.total_spent)))
    assert spent is not None and spent > 0


def test_seed_is_deterministic(app: Flask) -> None:
    """Given the same seed twice, then customers, order counts and spend are identical."""
    seed_demo(SeedSize(customers=120, products=10, seed=3))
    first = _snapshot()
    seed_demo(SeedSize(customers=120, products=10, seed=3))
    assert _snapshot() == first
    assert _count(Store) == 1


def test_seed_with_a_pinned_day_is_the_same_on_any_day(
    app: Flask, time_machine: TimeMachineFixture
) -> None:
    """Given a pinned reference day, when seeded on two different days, then the store is equal."""
    pinned = SeedSize(customers=60, products=8, seed=4, as_of=date(2026, 6, 30))
    time_machine.move_to(datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    seed_demo(pinned)
    first = _snapshot(), _order_dates()
    time_machine.move_to(datetime(2027, 3, 14, 2, 0, tzinfo=UTC))
    seed_demo(pinned)
    assert (_snapshot(), _order_dates()) == first


def _order_dates() -> list[datetime]:
    return list(db.session.scalars(select(Order.placed_at).order_by(Order.platform_id)))


def test_seeded_aggregates_match_the_orders(app: Flask) -> None:
    """Given a seeded store, then each customer's orders_count equals its non-cancelled orders."""
    seed_demo(SeedSize(customers=80, products=10, seed=5))
    counted = dict(
        db.session.execute(
            select(Order.customer_id, func.count())
            .where(Order.cancelled_at.is_(None))
            .group_by(Order.customer_id)
        ).all()
    )
    for customer in db.session.scalars(select(Customer)):
        assert customer.orders_count == counted.get(customer.id, 0)


def test_dashboard_renders_the_seeded_counts(client: FlaskClient) -> None:
    """Given the demo store, when the dashboard opens, then it shows the mirror's counts."""
    seed_demo(SeedSize(customers=150, products=12, seed=9))
    page = client.get("/").get_data(as_text=True)
    shown = dict(re.findall(r'data-count="(\w+)">([^<]+)<', page))
    assert shown["customers"] == "150"
    assert shown["orders"] == f"{_count(Order):,}"
    assert shown["products"] == "12"
    assert 'data-testid="orders-chart"' in page


def test_panel_refuses_without_a_store(client: FlaskClient) -> None:
    """Given no store and no login, then the panel answers 401 with a hint."""
    response = client.get("/")
    assert response.status_code == 401
    assert "sign in" in response.get_data(as_text=True)


def test_login_link_scopes_the_panel_to_one_store(client: FlaskClient) -> None:
    """Given two stores, when logged into B, then A's customers are never listed."""
    store_a = make_store(platform="shopify", domain="a.myshopify.com")
    store_b = make_store(platform="shopify", domain="b.myshopify.com")
    make_order(store_a, email="only-in-a@example.com")
    make_order(store_b, email="only-in-b@example.com")
    assert client.get(f"/login/{login_token(store_b)}").status_code == 302
    page = client.get("/customers").get_data(as_text=True)
    assert "@example.com" in page and "only-in-a" not in page
    assert client.get("/orders").get_data(as_text=True).count("only-in-b@example.com") == 1


def test_forged_login_token_is_refused(client: FlaskClient) -> None:
    """Given a tampered login token, then the panel refuses it."""
    store = make_store(platform="shopify", domain="c.myshopify.com")
    token = login_token(store)
    # One character inside the signature, changed for sure: every bit of it counts (the last
    # base64 character has spare bits, and a token may already end in the letters put there).
    i = len(token) - 10
    forged = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    assert client.get(f"/login/{forged}").status_code == 401


def test_write_without_csrf_token_is_refused(client: FlaskClient) -> None:
    """Given a cookie session, when a POST lacks the CSRF token, then it is refused."""
    seed_demo(SeedSize(customers=5, products=3, seed=1))
    assert client.post("/jobs/1/retry").status_code == 403


def test_login_link_cli_prints_a_working_link(runner: FlaskCliRunner, client: FlaskClient) -> None:
    """Given `flask login-link ID`, then the printed link signs into that store."""
    store = make_store(platform="shopify", domain="d.myshopify.com", name="Dee's")
    result = runner.invoke(args=["login-link", str(store.id)])
    path = result.output.strip().split("127.0.0.1:5000")[1]
    assert client.get(path).status_code == 302
    assert "Dee&#39;s" in client.get("/").get_data(as_text=True)


def test_navigation_shows_platform_pages_only_to_their_stores(client: FlaskClient) -> None:
    """Given a WooCommerce store's session, then the nav has WooCommerce and not Shopify."""
    store = make_store(platform="woocommerce", domain="shop.example.com")
    client.get(f"/login/{login_token(store)}")
    nav = client.get("/").get_data(as_text=True).split("<nav>")[1].split("</nav>")[0]
    assert ">WooCommerce<" in nav and ">Shopify<" not in nav and ">Automations<" in nav
