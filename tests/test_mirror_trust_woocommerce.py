"""The mirror keeps WooCommerce facts true: freshness, accounts, spend, B2B, paid times, events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from time_machine import TimeMachineFixture

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.models import Customer, Event, Message, Store
from tests.automation_support import make_automation
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.privacy_support import count

NOV = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def woo(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a loopback WooCommerce store connected to the app (signed in to its panel)."""
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        yield store


def _store() -> Store:
    return db.session.scalar(select(Store).where(Store.platform == "woocommerce"))


def _customer_row(platform_id: str = "5") -> Customer:
    return db.session.scalar(select(Customer).where(Customer.platform_id == platform_id))


def _customer(cid: int = 5, modified: datetime = NOV, **billing: Any) -> dict[str, Any]:
    body = wc.customer(cid, f"c{cid}@example.com", created=NOV - timedelta(days=30))
    body |= wc.customer(cid, f"c{cid}@example.com", modified=modified)
    body["billing"] = body["billing"] | billing
    return body


def _order(oid: int, cid: int, days: int, **fields: Any) -> dict[str, Any]:
    created = NOV + timedelta(days=days)
    status = fields.pop("status", "processing")
    body = wc.order(oid, status, cid, f"c{cid}@example.com", created=created)
    body["billing"] |= fields.pop("billing", {})
    return body | fields


def _events(kind: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.type == kind).order_by(Event.id)))


def test_an_older_order_never_overwrites_a_newer_customer_phone(
    client: FlaskClient, woo: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a customer whose phone changed on Nov 20, when an order placed and last modified on
    Nov 10 arrives late with its old billing phone, then the customer keeps the newer phone
    (a blank postcode is still filled from it), and a newer order's phone does replace it."""
    newer = _customer(modified=NOV + timedelta(days=19), phone="+33 6 20 20 20 20", postcode="")
    deliver(client, hook_for(woo, "customer.updated"), newer)
    old = _order(801, 5, 9, billing={"phone": "+33 6 10 10 10 10", "postcode": "75002"})
    deliver(client, hook_for(woo, "order.updated"), old)
    run_jobs()
    customer = _customer_row()
    assert (customer.phone, customer.zip) == ("+33 6 20 20 20 20", "75002")
    recent = _order(802, 5, 24, billing={"phone": "+33 6 25 25 25 25"})
    deliver(client, hook_for(woo, "order.created"), recent)
    run_jobs()
    assert _customer_row().phone == "+33 6 25 25 25 25"
    assert _customer_row().facts_updated_at == NOV + timedelta(days=24, seconds=6)


def test_resent_order_and_product_emit_no_updated_event(
    client: FlaskClient, woo: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given an order and a product, when both are re-sent with only a new date_modified, then
    no order.updated or product.updated is emitted; a real change emits exactly one."""
    order = _order(727, 0, 1)
    deliver(client, hook_for(woo, "order.created"), order)
    later = order | {"date_modified_gmt": "2026-11-02T09:00:00"}
    deliver(client, hook_for(woo, "order.updated"), later)
    product = wc.product(41)
    deliver(client, hook_for(woo, "product.created"), product)
    touched = wc.product(41, modified=datetime(2026, 11, 3, tzinfo=UTC))
    deliver(client, hook_for(woo, "product.updated"), touched)
    run_jobs()
    assert _events("order.updated") == [] and _events("product.updated") == []
    done = _order(727, 0, 1, status="completed", date_modified_gmt="2026-11-02T12:00:00")
    deliver(client, hook_for(woo, "order.updated"), done)
    repriced = wc.product(41, price="14.00", modified=datetime(2026, 11, 4, tzinfo=UTC))
    deliver(client, hook_for(woo, "product.updated"), repriced)
    run_jobs()
    assert len(_events("order.updated")) == 1 and len(_events("product.updated")) == 1


def test_a_guest_checkout_is_no_new_account_and_gets_no_welcome(
    client: FlaskClient, woo: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given the welcome recipe, when a guest (customer_id 0) orders, then no customer.created
    and no welcome e-mail; when a customer registers, then one customer.created and one
    welcome e-mail, and their first order adds no second one."""
    make_automation(_store(), build_recipe("welcome", {})[1])
    deliver(client, hook_for(woo, "order.created"), _order(730, 0, 1))
    run_jobs()
    guest = _customer_row("guest:c0@example.com")
    assert guest.has_account is False and _events("customer.created") == []
    assert count(Message) == 0
    deliver(client, hook_for(woo, "customer.created"), _customer(5))
    deliver(client, hook_for(woo, "order.created"), _order(731, 5, 2))
    run_jobs()
    assert _customer_row().has_account is True and len(_events("customer.created")) == 1
    welcome = db.session.scalars(select(Message.to_email).where(Message.template_key == "welcome"))
    assert list(welcome) == ["c5@example.com"]


def test_lifetime_spend_counts_only_money_paid_net_of_refunds(
    client: FlaskClient, woo: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given on-hold and pending orders, then spend is 0; when one is paid (processing), it
    counts; when 10.00 of it is refunded, spend is net of the (negative) refund."""
    deliver(client, hook_for(woo, "order.created"), _order(750, 5, 1, status="on-hold"))
    deliver(client, hook_for(woo, "order.created"), _order(751, 5, 2, status="pending"))
    run_jobs()
    assert str(_customer_row().total_spent) == "0.00" and _customer_row().orders_count == 2
    paid = _order(750, 5, 1, date_modified_gmt="2026-11-05T10:00:00")
    deliver(client, hook_for(woo, "order.updated"), paid)
    run_jobs()
    assert str(_customer_row().total_spent) == "30.00"
    refunded = paid | {"refunds": [wc.refund(1, "10.00")], "date_modified_gmt": "2026-11-06T10:00"}
    deliver(client, hook_for(woo, "order.updated"), refunded)
    run_jobs()
    assert str(_customer_row().total_spent) == "20.00"
    spends = [Decimal(e.data["total_spent"]) for e in _events("customer.spend_changed")]
    assert spends == [Decimal("30"), Decimal("20")]


def _csrf(client: FlaskClient) -> str:
    page = client.get("/settings").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_b2b_follows_the_merchants_rule_and_is_recomputed_when_it_changes(
    client: FlaskClient, woo: FakeWooStore, run_jobs: Callable[[], None]
) -> None:
    """Given a customer with a billing company and a wholesale-role one, then by default the
    company makes B2B; when the merchant's rule becomes 'role wholesale_customer', both are
    reclassified at once; an invalid rule is refused naming the field."""
    deliver(client, hook_for(woo, "customer.created"), _customer(5, company="Acme &amp; Co"))
    wholesale = _customer(6) | {"role": "wholesale_customer"}
    deliver(client, hook_for(woo, "customer.created"), wholesale)
    run_jobs()
    assert (_customer_row("5").kind, _customer_row("6").kind) == ("b2b", "b2c")
    assert _customer_row("5").company == "Acme & Co"
    form = {"csrf_token": _csrf(client), "b2b_roles": "wholesale_customer", "b2b_tags": ""}
    reply = client.post("/settings/b2b", data=form)
    assert reply.status_code == 200 and "2 customers reclassified" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert (_customer_row("5").kind, _customer_row("6").kind) == ("b2c", "b2b")
    bad = client.post("/settings/b2b", data=form | {"b2b_tags": "x" * 65})
    assert bad.status_code == 422 and 'data-error="b2b_tags"' in bad.get_data(as_text=True)
    assert _store().settings["b2b_rule"] == {
        "company": False,
        "roles": ["wholesale_customer"],
        "tags": [],
    }


def test_cash_on_delivery_paid_event_carries_the_orders_time_not_the_workers(
    client: FlaskClient,
    woo: FakeWooStore,
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
) -> None:
    """Given a cash-on-delivery order in processing (WooCommerce leaves date_paid empty),
    when the job applies it weeks later, then order.paid occurred at the order's modified time."""
    cod = _order(760, 0, 3, payment_method="cod", date_paid=None, date_paid_gmt=None)
    deliver(client, hook_for(woo, "order.created"), cod)
    time_machine.move_to(datetime(2026, 12, 24, 18, 0, tzinfo=UTC), tick=True)
    run_jobs()
    (paid,) = _events("order.paid")
    assert paid.occurred_at == NOV + timedelta(days=3, seconds=6)
