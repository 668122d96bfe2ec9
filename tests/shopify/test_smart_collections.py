"""Smart collections on Shopify: a manual custom collection changed by add/remove/reorder jobs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Product, SearchTermDay, SmartCollection
from tests.collections_support import DAY, collection, products, sell
from tests.factories import make_product
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.support import SECRET, installed
from tests.storefront_support import proxy_query

SHOP = "collections-shop.myshopify.com"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 04:00 in America/Toronto


def gids(*ids: str) -> list[str]:
    return [f"gid://shopify/Product/{i}" for i in ids]


def writes(fake: FakeShopify, since: int = 0) -> list[tuple[str, dict[str, object]]]:
    """Return the collection mutations the stand-in received, with their variables."""
    names = {"collectionCreate", "collectionAddProductsV2", "collectionRemoveProducts"}
    names.add("collectionReorderProducts")
    return [(c["op"], c.get("variables") or {}) for c in fake.calls[since:] if c.get("op") in names]


def test_best_sellers_refresh_sends_exactly_the_changes_and_nothing_when_unchanged(
    fake: FakeShopify, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given sales, when the ticker refreshes, then add/remove/reorder carry only the changes."""
    time_machine.move_to(NOW, tick=False)
    store = installed(fake, SHOP)
    store.timezone = "America/Toronto"
    products(store, ["101", "102", "103", "104", "105"], NOW - 100 * DAY)
    for pid, units in (("101", 5), ("102", 3), ("103", 9), ("104", 1)):
        sell(store, pid, units, NOW - 2 * DAY)
    sell(store, "105", 50, NOW - 40 * DAY)  # outside the 30-day window
    smart = collection(store, params={"days": 30})
    run_jobs()
    run_jobs()  # the periodic check was recorded by the first tick, enqueued by the second

    ref = smart.platform_ref
    assert ref is not None
    assert writes(fake) == [
        ("collectionCreate", {"input": {"title": "Best sellers", "sortOrder": "MANUAL"}}),
        ("collectionAddProductsV2", {"id": ref, "productIds": gids("103", "101", "102")}),
    ]
    assert fake.collections[ref]["products"] == gids("103", "101", "102")
    assert any(c.get("op") == "job" for c in fake.calls)  # the async job was waited for
    smart = db.session.get(SmartCollection, smart.id)
    assert smart is not None and smart.members == ["103", "101", "102"]
    # Next refresh at 03:00 Toronto time tomorrow (08:00 UTC).
    assert smart.next_refresh_at == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)

    calls = len(fake.calls)
    time_machine.move_to(datetime(2026, 12, 2, 8, 1, tzinfo=UTC), tick=False)
    run_jobs()
    run_jobs()
    assert writes(fake, calls) == []  # nothing changed: nothing was called (reconcile runs)
    assert not [c for c in fake.calls[calls:] if c.get("op") == "job"]
    smart = db.session.get(SmartCollection, smart.id)
    assert smart is not None and smart.last_refresh_at is not None
    assert smart.last_change == {"added": [], "removed": [], "moved": 0}

    sell(store, "104", 20, datetime(2026, 12, 2, 7, 0, tzinfo=UTC))  # 104 is now the best
    calls = len(fake.calls)
    time_machine.move_to(datetime(2026, 12, 3, 8, 1, tzinfo=UTC), tick=False)
    run_jobs()
    run_jobs()
    assert writes(fake, calls) == [
        ("collectionRemoveProducts", {"id": ref, "productIds": gids("102")}),
        ("collectionAddProductsV2", {"id": ref, "productIds": gids("104")}),
        (
            "collectionReorderProducts",
            {"id": ref, "moves": [{"id": gids("104")[0], "newPosition": "0"}]},
        ),
    ]
    assert fake.collections[ref]["products"] == gids("104", "103", "101")


def test_pins_exclusions_and_a_type_scope_shape_the_collection(
    fake: FakeShopify, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a pin, an exclusion and 'in Jackets', then the collection holds exactly that."""
    time_machine.move_to(NOW, tick=False)
    store = installed(fake, SHOP)
    products(store, ["201", "202", "203"], NOW - 100 * DAY)
    products(store, ["301"], NOW - 100 * DAY, product_type="Hats")
    for pid, units in (("201", 5), ("202", 4), ("203", 3), ("301", 99)):
        sell(store, pid, units, NOW - DAY)
    collection(
        store,
        title="Best in Jackets",
        scope_kind="type",
        scope_value="jackets",
        pins=["203"],
        exclusions=["201"],
    )
    run_jobs()
    run_jobs()
    (ref,) = fake.collections
    assert fake.collections[ref]["products"] == gids("203", "202")


def test_new_arrivals_trending_and_top_rated_from_review_metafields(
    fake: FakeShopify, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given creation dates, weekly sales and review metafields, then three kinds are right."""
    time_machine.move_to(NOW, tick=False)
    store = installed(fake, SHOP)
    products(store, ["401"], NOW - 3 * DAY)
    products(store, ["402"], NOW - 10 * DAY)
    products(store, ["403", "404"], NOW - 90 * DAY)
    sell(store, "403", 2, NOW - 10 * DAY)  # last week 2, this week 6: growth 4
    sell(store, "403", 6, NOW - 2 * DAY)
    sell(store, "404", 9, NOW - 10 * DAY)  # last week 9, this week 1: falling
    sell(store, "404", 1, NOW - 2 * DAY)
    sell(store, "401", 1, NOW - DAY)  # growth 1
    rating = {"value": "4.5", "scale_min": "1.0", "scale_max": "5.0"}
    fake.ratings = {
        gids("402")[0]: (json.dumps(rating), "12"),
        gids("404")[0]: (json.dumps(rating | {"value": "4.8"}), "3"),
        gids("401")[0]: (json.dumps(rating | {"value": "5.0"}), "1"),
    }
    new = collection(store, "new_arrivals", title="New", params={"days": 14})
    trend = collection(store, "trending", title="Trending")
    rated = collection(store, "top_rated", title="Top rated", params={"min_ratings": 2})
    run_jobs()
    run_jobs()
    by_title = {c["title"]: c["products"] for c in fake.collections.values()}
    assert by_title == {
        "New": gids("401", "402"),
        "Trending": gids("403", "401"),
        "Top rated": gids("404", "402"),
    }
    mirrored = db.session.scalar(select(Product).where(Product.platform_id == "402"))
    assert mirrored is not None and (str(mirrored.rating), mirrored.rating_count) == ("4.50", 12)
    assert {new.id, trend.id, rated.id} == set(
        db.session.scalars(select(SmartCollection.id).where(SmartCollection.last_error.is_(None)))
    )


def test_a_refused_mutation_is_recorded_and_nothing_is_marked_pushed(
    fake: FakeShopify, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a collection Shopify no longer has, then userErrors show on the collection."""
    time_machine.move_to(NOW, tick=False)
    store = installed(fake, SHOP)
    products(store, ["501"], NOW - 100 * DAY)
    sell(store, "501", 1, NOW - DAY)
    smart = collection(store, platform_ref="gid://shopify/Collection/999")
    run_jobs()
    run_jobs()
    smart = db.session.get(SmartCollection, smart.id)
    assert smart is not None and smart.members == []
    assert "Collection does not exist" in (smart.last_error or "")
    assert smart.next_refresh_at is not None and smart.next_refresh_at > NOW + timedelta(hours=1)


def test_searches_through_the_app_proxy_make_a_most_searched_collection(
    fake: FakeShopify,
    client: FlaskClient,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    """Given web pixel searches through the signed app proxy, then they rank the collection."""
    time_machine.move_to(NOW, tick=False)
    store = installed(fake, SHOP)
    products(store, ["601", "602", "603"], NOW - 100 * DAY)
    make_product(store, platform_id="604", title="Beanie", tags=["Winter"], created_at=NOW)
    for term in ("winter", "Winter", "Jacket 602"):
        query = proxy_query(SHOP, secret=SECRET)
        response = client.post(f"/storefront/search?{query}", data={"term": term})
        assert response.status_code == 200, response.get_data(as_text=True)
    forged = proxy_query(SHOP, {"term": "winter"}, secret="not-the-secret")
    assert client.post(f"/storefront/search?{forged}").status_code == 401
    counts = {r.term: r.count for r in db.session.scalars(select(SearchTermDay))}
    assert counts == {"winter": 2, "jacket 602": 1}

    collection(store, "most_searched", title="Searched")
    run_jobs()
    run_jobs()
    (ref,) = fake.collections
    assert fake.collections[ref]["products"] == gids("604", "602")


def test_best_sellers_in_an_existing_shopify_collection(
    fake: FakeShopify, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a merchant's own collection, then 'best sellers in it' holds only its products."""
    time_machine.move_to(NOW, tick=False)
    store = installed(fake, SHOP)
    products(store, ["701", "702", "703"], NOW - 100 * DAY)
    for pid, units in (("701", 1), ("702", 2), ("703", 3)):
        sell(store, pid, units, NOW - DAY)
    fake.collections["gid://shopify/Collection/77"] = {
        "title": "Winter",
        "sortOrder": "BEST_SELLING",
        "products": gids("701", "702"),
    }
    smart = collection(store, title="Best in Winter", scope_kind="category", scope_value="77")
    run_jobs()
    run_jobs()
    smart = db.session.get(SmartCollection, smart.id)
    assert smart is not None and smart.platform_ref is not None
    assert fake.collections[smart.platform_ref]["products"] == gids("702", "701")
