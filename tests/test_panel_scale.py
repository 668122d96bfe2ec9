"""The panel's lists page through every row with totals, search uses an index, months add up."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import func, select
from time_machine import TimeMachineFixture

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.models import Attribution, Customer, Order, Store
from tests.factories import make_order
from tests.mail_support import queue_mail


def _emails(page: str) -> list[str]:
    return re.findall(r"<td>([^<]+@example\.com)</td>", page)


def _summary(page: str) -> str:
    found = re.search(r'data-testid="pager-summary">(.*?)</span>\s*\n', page, re.S)
    assert found, "the page has no pager"
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_customers_list_pages_through_every_customer_once(client: FlaskClient) -> None:
    """Given 120 customers, when pages 1-3 are read, then each customer shows exactly once."""
    seed_demo(SeedSize(customers=120, products=6, seed=3))
    pages = [client.get(f"/customers?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    assert _summary(pages[0]).startswith("1\u201350 of 120 · page 1 of 3")
    assert _summary(pages[2]).startswith("101\u2013120 of 120")
    seen = [e for page in pages for e in _emails(page)]
    assert len(seen) == 120 and len(set(seen)) == 120
    assert 'rel="next"' in pages[0] and 'rel="next"' not in pages[2]


def test_orders_and_jobs_lists_show_their_totals(client: FlaskClient) -> None:
    """Given a seeded store, when the orders list opens, then it shows the total and 50 rows."""
    seed_demo(SeedSize(customers=80, products=6, seed=4))
    total = db.session.scalar(select(func.count()).select_from(Order))
    page = client.get("/orders").get_data(as_text=True)
    assert f"of {total:,} ·" in _summary(page)
    assert page.count("<tr><td>#") == 50
    assert "0 of 0" in _summary(client.get("/jobs").get_data(as_text=True))


def test_bad_or_past_the_end_page_numbers_answer_a_page(client: FlaskClient) -> None:
    """Given page=abc or a page past the end, then the list answers 200, never a 500."""
    seed_demo(SeedSize(customers=30, products=4, seed=5))
    assert len(_emails(client.get("/customers?page=abc").get_data(as_text=True))) == 30
    past = client.get("/customers?page=999&per_page=-4")
    assert past.status_code == 200 and _emails(past.get_data(as_text=True)) == []


def test_search_finds_a_customer_by_email_and_by_last_name(client: FlaskClient) -> None:
    """Given a seeded store, when searching an e-mail or a lower-case surname, then it is found."""
    seed_demo(SeedSize(customers=200, products=4, seed=6))
    wanted = db.session.scalars(select(Customer).order_by(Customer.id.desc())).first()
    assert wanted is not None and wanted.email
    page = client.get("/customers", query_string={"q": wanted.email}).get_data(as_text=True)
    assert _emails(page) == [wanted.email]
    partial = client.get(
        "/customers",
        query_string={"q": wanted.last_name.lower()},
        headers={"HX-Request": "true", "HX-Target": "results"},
    ).get_data(as_text=True)
    assert "<html" not in partial and wanted.email in partial
    assert all(wanted.last_name.lower() in e for e in _emails(partial))


def test_search_treats_wildcards_as_text(client: FlaskClient) -> None:
    """Given a search for '%' or '_', then nothing matches (they are not LIKE wildcards)."""
    seed_demo(SeedSize(customers=20, products=4, seed=7))
    for q in ("%", "_", "%a"):
        page = client.get("/customers", query_string={"q": q}).get_data(as_text=True)
        assert "No customers match." in page and _emails(page) == []


def _chart(client: FlaskClient) -> dict[str, int]:
    page = client.get("/").get_data(as_text=True)
    return {k: int(n) for k, n in re.findall(r"<title>(\d{4}-\d\d): (\d+) orders", page)}


def test_orders_per_month_are_counted_in_sql_without_cancelled_ones(
    client: FlaskClient, time_machine: TimeMachineFixture
) -> None:
    """Given orders in three months, one cancelled, when the dashboard opens, then months add up."""
    time_machine.move_to(datetime(2026, 6, 15, 23, 30, tzinfo=UTC), tick=False)
    seed_demo(SeedSize(customers=1, products=2, days=1, open_carts=0, seed=1))
    store = db.session.scalar(select(Store))
    db.session.execute(Order.__table__.delete())
    db.session.commit()
    for placed in ("2026-04-30T23:59:00", "2026-05-01T00:00:00", "2026-05-31T12:00:00"):
        make_order(store, placed_at=datetime.fromisoformat(placed).replace(tzinfo=UTC))
    make_order(store, placed_at=datetime(2026, 6, 1, tzinfo=UTC), cancelled_at=datetime.now(UTC))
    make_order(store, placed_at=datetime(2025, 5, 1, tzinfo=UTC))  # 13 months ago: out
    assert _chart(client) == {"2026-04": 1, "2026-05": 2}


def test_past_months_refresh_after_an_hour_and_this_month_at_once(
    client: FlaskClient, time_machine: TimeMachineFixture
) -> None:
    """Given a viewed dashboard, when orders arrive, then this month shows now, past ones in 1 h."""
    time_machine.move_to(datetime(2026, 6, 15, 12, 0, tzinfo=UTC), tick=False)
    seed_demo(SeedSize(customers=1, products=2, days=1, open_carts=0, seed=1))
    store = db.session.scalar(select(Store))
    db.session.execute(Order.__table__.delete())
    db.session.commit()
    make_order(store, placed_at=datetime(2026, 5, 3, tzinfo=UTC))
    assert _chart(client) == {"2026-05": 1}
    make_order(store, placed_at=datetime(2026, 5, 4, tzinfo=UTC))
    make_order(store, placed_at=datetime(2026, 6, 15, 11, 0, tzinfo=UTC))
    assert _chart(client) == {"2026-05": 1, "2026-06": 1}
    time_machine.move_to(datetime(2026, 6, 15, 12, 0, tzinfo=UTC) + timedelta(minutes=61))
    assert _chart(client) == {"2026-05": 2, "2026-06": 1}


def test_email_dashboard_sums_sends_and_revenue_per_day_in_sql(
    client: FlaskClient, run_jobs: Callable[[], None], time_machine: TimeMachineFixture
) -> None:
    """Given 1 mail sent yesterday and 2 today with 80.00 attributed, then the chart says so."""
    time_machine.move_to(datetime(2026, 6, 14, 12, 0, tzinfo=UTC), tick=False)
    seed_demo(SeedSize(customers=3, products=2, days=1, open_carts=0, seed=1))
    store = db.session.scalar(select(Store))
    customer = db.session.scalars(select(Customer)).first()
    queue_mail(store, customer, kind="transactional")
    run_jobs()
    time_machine.move_to(datetime(2026, 6, 15, 9, 0, tzinfo=UTC), tick=False)
    message = queue_mail(store, customer, kind="transactional")
    queue_mail(store, customer, kind="transactional")
    run_jobs()
    order = db.session.scalars(select(Order)).first()
    db.session.add(
        Attribution(
            store_id=store.id, order_id=order.id, message_id=message.id, automation_id=7,
            touch="click", revenue=Decimal("80.00"), placed_at=datetime.now(UTC),
        )
    )  # fmt: skip
    db.session.commit()
    page = client.get("/email/").get_data(as_text=True)
    days = dict(re.findall(r"<title>(\d{4}-\d\d-\d\d): (\d+ sent, \$[\d.,]+)</title>", page))
    assert days["2026-06-14"] == "1 sent, $0.00"
    assert days["2026-06-15"] == "2 sent, $80.00"


def test_a_customer_page_shows_their_facts_and_only_their_orders(client: FlaskClient) -> None:
    """Given a seeded store, when the best customer's page opens, then it lists their orders."""
    seed_demo(SeedSize(customers=60, products=4, seed=8))
    best = db.session.scalars(select(Customer).order_by(Customer.orders_count.desc())).first()
    assert best is not None and best.orders_count > 1
    listed = client.get("/customers").get_data(as_text=True)
    assert f'href="/customers/{best.id}"' in listed
    page = client.get(f"/customers/{best.id}").get_data(as_text=True)
    theirs = db.session.scalars(select(Order.name).where(Order.customer_id == best.id)).all()
    assert sorted(re.findall(r"<tr><td>(#[^<]+)</td>", page)) == sorted(theirs)
    assert f"of {len(theirs)} ·" in _summary(page) and best.email in page


def test_a_customer_of_another_store_or_none_answers_404(client: FlaskClient) -> None:
    """Given a customer id of no customer of this store, then the customer page answers 404."""
    seed_demo(SeedSize(customers=5, products=2, seed=9))
    other = Store(platform="shopify", domain="other-shop.myshopify.com", name="other")
    db.session.add(other)
    db.session.flush()
    stranger = Customer(store_id=other.id, platform_id="x1", email="x@example.com")
    db.session.add(stranger)
    db.session.commit()
    assert client.get(f"/customers/{stranger.id}").status_code == 404
    assert client.get("/customers/999999").status_code == 404
