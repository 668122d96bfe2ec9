"""Smart collections on WooCommerce: a product category assigned and removed in batches of 100."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.admin.auth import login_token
from ecomapp.extensions import db
from ecomapp.models import SearchTermDay, SmartCollection, Store
from ecomapp.models.woocommerce import WooSite
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.storefront_support import PLUGIN_SECRET, plugin_post

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
JACKETS = {"id": 31, "name": "Jackets", "slug": "jackets"}


def product(pid: int, days_old: int, rating: str = "0", count: int = 0, **extra: Any) -> Any:
    """Return a wc/v3 product created `days_old` days before NOW, with its rating."""
    body = wc.product(pid, name=f"Coat {pid}")
    body.update(wc._dates("date_created", NOW - timedelta(days=days_old)))
    return body | {"average_rating": rating, "rating_count": count} | extra


@pytest.fixture
def woo(
    app: Flask,
    client: FlaskClient,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> Iterator[FakeWooStore]:
    """Return a connected store of 120 products (ratings, a Jackets category) and orders."""
    time_machine.move_to(NOW, tick=False)
    with woo_settings(app), running(FakeWooStore()) as fake:
        for pid in range(1, 121):
            fake.add("products", product(pid, days_old=pid))
        fake.products[5] |= {"average_rating": "4.80", "rating_count": 6}
        fake.products[6] |= {"average_rating": "4.20", "rating_count": 9}
        fake.products[7] |= {"average_rating": "5.00", "rating_count": 1}
        fake.products[12] |= {"name": "Storm Parka", "tags": [{"id": 3, "name": "Waterproof"}]}
        fake.products[13] |= {"name": "Parka Lite"}
        for pid in (8, 9):
            fake.products[pid]["categories"].append(JACKETS)
        lines = [(8, 1), (9, 4), (10, 7)]
        for n, (pid, qty) in enumerate(lines):
            line = wc.line_item(500 + n, pid, f"Coat {pid}", qty, 10.0)
            fake.add("orders", wc.order(700 + n, lines=[line], created=NOW - timedelta(days=2)))
        connect(client, fake)
        run_jobs()
        store = db.session.scalar(select(Store))
        assert store is not None
        site = db.session.scalar(select(WooSite))
        assert site is not None
        site.plugin_secret = PLUGIN_SECRET  # the companion plugin is installed
        db.session.commit()
        client.get(f"/login/{login_token(store)}")
        yield fake


def _csrf(client: FlaskClient, path: str = "/collections/new") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def create(client: FlaskClient, **fields: str) -> Any:
    """Submit the new collection form."""
    form = {"title": "Picks", "kind": "best_sellers", "size_limit": "3", "refresh_hour": "3"}
    return client.post("/collections/new", data=form | fields | {"csrf_token": _csrf(client)})


def batches(fake: FakeWooStore, since: int = 0) -> list[tuple[str, str]]:
    """Return the product reads and writes the store served, as (method, path)."""
    return [
        (m, p.split("/wc/v3/")[1])
        for m, p, q in fake.requests[since:]
        if re.search(r"/wc/v3/products(/batch|/categories)?$", p)
        and (m == "POST" or "include" in q)
    ]


def in_category(fake: FakeWooStore, category: int) -> list[int]:
    """Return the ids of the store's products that carry the category."""
    return sorted(
        pid for pid, p in fake.products.items() if category in [c["id"] for c in p["categories"]]
    )


def test_new_arrivals_of_120_go_out_in_two_batches_and_nothing_when_unchanged(
    woo: FakeWooStore, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given 120 new products, when saved, then 100 + 20 in batches; a re-run sends nothing."""
    since = len(woo.requests)
    response = create(client, title="New in", kind="new_arrivals", size_limit="120", days="200")
    assert response.status_code == 302
    run_jobs()
    assert batches(woo, since) == [
        ("POST", "products/categories"),
        ("GET", "products"),
        ("POST", "products/batch"),
        ("GET", "products"),
        ("POST", "products/batch"),
    ]
    (category,) = [c["id"] for c in woo.categories.values() if c["name"] == "New in"]
    assert in_category(woo, category) == list(range(1, 121))
    assert woo.products[8]["categories"][:2] == [{"id": 15}, {"id": 31}]  # others kept
    smart = db.session.scalar(select(SmartCollection))
    assert smart is not None and smart.members[:3] == ["1", "2", "3"]

    since = len(woo.requests)
    token = _csrf(client, "/collections/")
    assert (
        client.post(f"/collections/{smart.id}/refresh", data={"csrf_token": token}).status_code
        == 302
    )
    run_jobs()
    assert batches(woo, since) == []


def test_best_sellers_top_rated_and_category_scope_assign_exactly_their_products(
    woo: FakeWooStore, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given sales, ratings and a Jackets category, then each category holds its products."""
    create(client, title="Best sellers")
    create(client, title="Top rated", kind="top_rated", min_ratings="2")
    create(client, title="Best in Jackets", scope_kind="category", scope_value="31")
    run_jobs()
    by_name = {c["name"]: c["id"] for c in woo.categories.values()}
    assert in_category(woo, by_name["Best sellers"]) == [8, 9, 10]
    assert in_category(woo, by_name["Top rated"]) == [5, 6]
    assert in_category(woo, by_name["Best in Jackets"]) == [8, 9]
    rows = {c.title: c.members for c in db.session.scalars(select(SmartCollection))}
    assert rows["Best sellers"] == ["10", "9", "8"] and rows["Top rated"] == ["5", "6"]

    smart = db.session.scalar(
        select(SmartCollection).where(SmartCollection.title == "Best sellers")
    )
    assert smart is not None
    since = len(woo.requests)
    form = {"title": "Best sellers", "kind": "best_sellers", "size_limit": "3"}
    form |= {"refresh_hour": "3", "exclusions": "10", "csrf_token": _csrf(client)}
    assert client.post(f"/collections/{smart.id}", data=form).status_code == 302
    run_jobs()
    assert batches(woo, since) == [
        ("GET", "products"),
        ("POST", "products/batch"),  # 10 leaves
    ]
    assert in_category(woo, by_name["Best sellers"]) == [8, 9]


def test_the_form_names_the_field_and_saves_nothing(woo: FakeWooStore, client: FlaskClient) -> None:
    """Given bad values, then 422 names each field and no collection is saved."""
    response = create(client, title="", kind="cheapest", size_limit="0", pins="999999")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for name in ("title", "kind", "size_limit", "pins"):
        assert f'data-error-for="{name}"' in page
    bad_scope = create(client, scope_kind="category", scope_value="jackets")
    assert bad_scope.status_code == 422 and 'data-error-for="scope_value"' in bad_scope.get_data(
        as_text=True
    )
    assert db.session.scalar(select(SmartCollection)) is None


def test_searches_sent_by_the_plugin_make_a_most_searched_category(
    woo: FakeWooStore, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given plugin-signed searches, then they count per term and day and rank products."""
    store = db.session.scalar(select(Store))
    assert store is not None
    for term in ("Parka", "parka ", "WATERPROOF", "waterproof", "waterproof"):
        assert plugin_post(client, store, "search", {"term": term}).status_code == 200
    forged = client.post(
        "/storefront/search",
        json={"term": "parka"},
        headers={"X-Ecomapp-Store": str(store.id), "X-Ecomapp-Signature": "forged"},
    )
    assert forged.status_code == 401
    missing = plugin_post(client, store, "search", {"query": "parka"})
    assert missing.status_code == 422 and missing.json["field"] == "term"
    counts = {r.term: r.count for r in db.session.scalars(select(SearchTermDay))}
    assert counts == {"parka": 2, "waterproof": 3}

    create(client, title="Most searched", kind="most_searched")
    run_jobs()
    (category,) = [c["id"] for c in woo.categories.values() if c["name"] == "Most searched"]
    assert in_category(woo, category) == [12, 13]
    smart = db.session.scalar(select(SmartCollection))
    assert smart is not None and smart.members == ["12", "13"]  # parka + waterproof first
