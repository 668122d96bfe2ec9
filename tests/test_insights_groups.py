"""Spend ranges applied to every existing customer: set-based in SQL, pushed in bulk, resumable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from ecomapp.admin.auth import login_token
from ecomapp.automation.actions import spend_group
from ecomapp.automation.recipes import parse_ranges
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.models import Customer, GroupChange, GroupRun, Store
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running

RANGES = "0-100 = bronze\n100-500 = silver\n500- = gold"


def _csrf(client: FlaskClient) -> str:
    page = client.get("/groups/").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _apply(client: FlaskClient, ranges: str = RANGES) -> int:
    response = client.post("/groups/", data={"ranges": ranges, "csrf_token": _csrf(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(db.session.scalar(select(func.max(GroupRun.id))) or 0)


def _expected(customer: Customer, ranges: list[dict[str, object]]) -> list[str]:
    groups = {str(r["group"]) for r in ranges}
    group = spend_group(ranges, customer.total_spent)
    return [t for t in customer.tags if t not in groups] + ([group] if group else [])


def test_apply_to_existing_customers_puts_each_in_its_spend_group(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a seeded store with old groups, when ranges are applied, then every tag is right."""
    seed_demo(SeedSize(customers=150, products=6, seed=8))
    customers = list(db.session.scalars(select(Customer).order_by(Customer.id)))
    customers[0].tags = ["wholesale", "gold"]  # wrong group, and a tag that is not a group
    customers[1].tags = ["silver"]
    db.session.commit()
    ranges = parse_ranges(RANGES)
    before = {c.id: _expected(c, ranges) for c in customers}
    moved = sum(1 for c in customers if sorted(c.tags) != sorted(before[c.id]))
    run_id = _apply(client)
    run_jobs()
    db.session.expire_all()
    after = {c.id: c.tags for c in db.session.scalars(select(Customer))}
    assert after == before
    run = db.session.get(GroupRun, run_id)
    assert run is not None and run.status == "done"
    assert (run.total, run.computed, run.changed) == (150, 150, moved)
    recorded = db.session.scalars(select(GroupChange).where(GroupChange.run_id == run_id)).all()
    assert sum(c.customers for c in recorded) == moved
    assert sum(len(c.ids()) for c in recorded) == moved


def test_a_second_run_changes_nobody_and_a_spend_change_moves_one(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given applied ranges, when run again after one customer spent more, then only they move."""
    seed_demo(SeedSize(customers=40, products=4, seed=9))
    _apply(client)
    run_jobs()
    customer = db.session.scalars(select(Customer).order_by(Customer.id)).first()
    assert customer is not None
    customer.total_spent = Decimal("999.00")
    db.session.commit()
    run_id = _apply(client)
    run_jobs()
    change = db.session.scalars(select(GroupChange).where(GroupChange.run_id == run_id)).one()
    assert change.ids() == [customer.id] and change.added == ["gold"]
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).tags[-1:] == ["gold"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("ranges", "field"),
    [("0-100 bronze", "params.ranges[0]"), ("abc-100 = x", "ranges[0].min"), ("", "ranges")],
)
def test_invalid_ranges_are_refused_naming_the_field(
    client: FlaskClient, ranges: str, field: str
) -> None:
    """Given malformed ranges, when applied, then 422 names the field and no run is recorded."""
    seed_demo(SeedSize(customers=5, products=2, seed=1))
    token = _csrf(client)
    response = client.post("/groups/", data={"ranges": ranges or " ", "csrf_token": token})
    assert response.status_code == 422
    assert field in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(GroupRun)) == 0


def test_run_row_polls_while_running_and_stops_when_done(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a queued run, then its row polls with htmx; once done it shows counts and stops."""
    seed_demo(SeedSize(customers=30, products=2, seed=2))
    run_id = _apply(client)
    queued = client.get(f"/groups/runs/{run_id}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in queued and 'data-status="queued"' in queued
    run_jobs()
    done = client.get(f"/groups/runs/{run_id}").get_data(as_text=True)
    assert 'data-status="done"' in done and "hx-trigger" not in done
    assert "30 / 30" in done


def test_regroup_cli_shows_progress_and_moves_customers(runner: FlaskCliRunner) -> None:
    """Given `flask regroup ID --ranges`, then customers are grouped and the CLI says how many."""
    result = seed_demo(SeedSize(customers=60, products=3, seed=4))
    out = runner.invoke(args=["regroup", str(result.store_id), "--ranges", "0-100 = a; 100- = b"])
    assert out.exit_code == 0, out.output
    assert "done" in out.output and "customers changed group" in out.output
    tagged = db.session.scalar(
        select(func.count()).where(Customer.tags.contains(",b,") | Customer.tags.contains(",a,"))
    )
    assert tagged == db.session.scalar(
        select(func.count()).select_from(Customer).where(Customer.total_spent >= 0)
    )
    bad = runner.invoke(args=["regroup", str(result.store_id), "--ranges", "x"])
    assert bad.exit_code == 2 and "--ranges" in bad.output


@pytest.fixture
def woo(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a connected WooCommerce stand-in holding 150 customers, mirrored."""
    with woo_settings(app), running(FakeWooStore()) as fake:
        fake.add("customers", *(wc.customer(i) for i in range(1, 151)))
        connect(client, fake)
        run_jobs()
        yield fake


def test_woocommerce_gets_the_changes_in_batches_of_100_in_the_tags_meta_key(
    woo: FakeWooStore, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given 150 mirrored customers, when ranges apply to all, then 2 batch requests carry them."""
    from ecomapp.platforms.woocommerce.normalize import TAGS_META_KEY

    store = db.session.scalar(select(Store))
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 150
    client.get(f"/login/{login_token(store)}")  # type: ignore[arg-type]
    woo.requests.clear()
    run_id = _apply(client, "0- = everyone")
    run_jobs()
    batches = [r for r in woo.requests if r[1].endswith("/customers/batch")]
    assert len(batches) == 2
    meta = {m["key"]: m["value"] for m in woo.customers[150]["meta_data"]}
    assert meta[TAGS_META_KEY].split(",")[-1] == "everyone"
    run = db.session.get(GroupRun, run_id)
    assert run is not None and (run.status, run.changed, run.pushed) == ("done", 150, 150)


def test_groups_are_matched_case_sensitively_and_other_tags_kept(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given tags 'Gold' and '50%_off', when group 'gold' applies, then both stay, gold is added."""
    seed_demo(SeedSize(customers=3, products=2, seed=3))
    customer = db.session.scalars(select(Customer).order_by(Customer.id)).first()
    assert customer is not None
    customer.tags, customer.total_spent = ["Gold", "50%_off"], Decimal("900")
    db.session.commit()
    _apply(client, "0-100 = bronze\n500- = gold")
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).tags == ["Gold", "50%_off", "gold"]  # type: ignore[union-attr]


def test_a_second_run_is_refused_while_one_is_going(client: FlaskClient) -> None:
    """Given a queued group run, when ranges are applied again, then 409 and no second run."""
    seed_demo(SeedSize(customers=5, products=2, seed=5))
    _apply(client)
    response = client.post("/groups/", data={"ranges": RANGES, "csrf_token": _csrf(client)})
    assert response.status_code == 409 and "still going" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(GroupRun)) == 1
