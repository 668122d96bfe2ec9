"""Campaign grids of "the recipient's favourite category": each mail shows its own category."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mirror.records import LineRecord
from ecomapp.models import Campaign, CampaignVersion, Signup, Store
from tests.automation_support import login
from tests.factories import customer_record, make_order, make_product, make_store, next_id
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail, make_customer

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _bought(store: Store, email: str, product: object, quantity: int) -> None:
    customer = make_customer(store, email=email, first_name=email.split("@")[0])
    line = LineRecord(
        platform_id=next_id(), title=product.title, quantity=quantity,  # type: ignore[attr-defined]
        price=Decimal("20.00"), product_platform_id=product.platform_id,  # type: ignore[attr-defined]
        variant_platform_id="v", vendor="V", product_type=product.product_type,  # type: ignore[attr-defined]
        sku="S",
    )  # fmt: skip
    rec = customer_record(platform_id=customer.platform_id, email=email)
    make_order(store, customer=rec, lines=[line], placed_at=START - timedelta(days=3))


def _shop() -> Store:
    store = make_store(settings={"address": "1 Pine St"})
    tea = make_product(store, title="Green Tea", product_type="Tea")
    cup = make_product(store, title="Blue Cup", product_type="Cups")
    make_product(store, title="Iron Pot", product_type="Pots")
    _bought(store, "teafan@example.com", tea, 5)
    _bought(store, "cupfan@example.com", cup, 2)
    make_customer(store, email="potfan@example.com", first_name="potfan")
    db.session.add(
        Signup(
            store_id=store.id, email="potfan@example.com", source="woocommerce_plugin",
            consent_text="yes", status="subscribed", interests=["Pots", "Tea"],
            link_expires_at=START,
        )
    )  # fmt: skip
    make_customer(store, email="new@example.com", first_name="new")
    db.session.commit()
    return store


def _titles(html: str) -> list[str]:
    return re.findall(r">(Green Tea|Blue Cup|Iron Pot)</a>", html.replace("<br>", ""))


def test_each_recipient_gets_the_grid_of_their_favourite_category(
    client: FlaskClient, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given buyers of tea and of cups, a subscriber interested in pots and a new customer, when
    a campaign with a favourite-category grid goes out, then each mail shows its own category's
    products (purchases first, then signup interests, else the best sellers)."""
    time_machine.move_to(START, tick=False)
    store = _shop()
    with running_smtp() as server:
        configure_mail(store, backend="smtp", smtp_url=server.url, frequency_cap_hours=0)
        csrf = login(client, store)
        headers = {"X-CSRF-Token": csrf}
        client.post("/campaigns/new", data={"name": "Picks"}, headers=headers)
        campaign = db.session.scalars(select(Campaign)).one()
        fallback = db.session.scalars(select(CampaignVersion)).one()
        form = {
            "version_id": str(fallback.id), "is_fallback": "1", "subject": "Picks for you",
            "text": "Hello", "grid": "favourite_category",
        }  # fmt: skip
        reply = client.post(f"/campaigns/{campaign.id}/versions", data=form, headers=headers)
        assert reply.status_code == 302, reply.get_data(as_text=True)
        once = {"every": "once", "date": "2026-12-02", "at": "08:00"}
        client.post(f"/campaigns/{campaign.id}/schedule", data=once, headers=headers)
        time_machine.move_to(START + timedelta(days=1), tick=False)
        run_jobs()
        run_jobs()
        run_jobs()
        got = {
            m.rcpt_tos[0]: _titles(m.email.get_body(("html",)).get_content())
            for m in server.received
        }
    assert got == {
        "teafan@example.com": ["Green Tea"],
        "cupfan@example.com": ["Blue Cup"],
        "potfan@example.com": ["Iron Pot"],
        "new@example.com": ["Green Tea", "Blue Cup"],
    }
