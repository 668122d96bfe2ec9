"""Group runs reach Shopify as tagsRemove/tagsAdd fields of one mutation per 50 customers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.admin.auth import login_token
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.ticker import tick
from ecomapp.models import Customer, GroupRun, Store, utcnow
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.support import installed

SHOP = "super-toys.myshopify.com"


def _customers(store: Store, count: int) -> None:
    db.session.add_all(
        Customer(
            store_id=store.id,
            platform_id=str(7000 + i),
            email=f"c{i}@example.com",
            tags=["newsletter", "silver"],
            total_spent=Decimal(600 + i),
        )
        for i in range(count)
    )
    db.session.commit()


def _apply(client: FlaskClient, store: Store, ranges: str) -> GroupRun:
    client.get(f"/login/{login_token(store)}")
    page = client.get("/groups/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/groups/", data={"ranges": ranges, "csrf_token": token}).status_code == 302
    return db.session.scalars(select(GroupRun)).one()


def test_changes_go_out_50_customers_per_mutation_removing_then_adding(
    fake: FakeShopify, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given 120 silver customers now gold, then 3 documents move them, each within 1,000 points."""
    store = installed(fake, SHOP)
    _customers(store, 120)
    run = _apply(client, store, "0-500 = silver\n500- = gold")
    run_jobs()
    batches = [c for c in fake.calls if c.get("op") == "tagsBatch"]
    assert len(batches) == 3
    assert [len(b["variables"]) for b in batches] == [150, 150, 60]  # id, remove, add each
    gid = "gid://shopify/Customer/7119"
    assert fake.resource_tags[gid] == ["gold"]
    first = batches[0]["query"]
    assert first.index("remove0: tagsRemove") < first.index("add0: tagsAdd")
    assert batches[0]["variables"]["remove0"] == ["silver"]
    db.session.refresh(run)
    assert (run.status, run.changed, run.pushed) == ("done", 120, 120)


def test_a_refused_batch_fails_the_run_and_says_why(
    fake: FakeShopify, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given Shopify refuses the document, then the run is failed with Shopify's message shown."""
    store = installed(fake, SHOP)
    _customers(store, 3)
    run_jobs()  # the install's own jobs
    run = _apply(client, store, "500- = gold")
    fake.script = ["graphql_error"]
    run_jobs()
    db.session.refresh(run)
    assert run.status == "failed" and "doesn't exist" in (run.error or "")
    row = client.get(f"/groups/runs/{run.id}").get_data(as_text=True)
    assert "doesn&#39;t exist" in row or "doesn't exist" in row


def test_a_push_cut_by_server_errors_resumes_where_it_stopped(
    fake: FakeShopify, client: FlaskClient, app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given Shopify failing on the 2nd document, when the job retries, then only the rest goes."""
    store = installed(fake, SHOP)
    _customers(store, 120)
    run_jobs()  # the install's own jobs
    run = _apply(client, store, "0-500 = silver\n500- = gold")
    fake.script = [None, "503", "503", "503", "503"]  # the first document passes, then 5xx
    drain(app)
    db.session.refresh(run)
    assert (run.status, run.pushed) == ("pushing", 50) and "retrying" in (run.error or "")
    tick(utcnow() + timedelta(minutes=5))
    drain(app)
    db.session.refresh(run)
    assert (run.status, run.pushed) == ("done", 120)
    sent = [c["variables"]["id0"] for c in fake.calls if c.get("op") == "tagsBatch"]
    assert len(sent) == len(set(sent)) + 4  # the 2nd document 1 + 4 times, no other resent
