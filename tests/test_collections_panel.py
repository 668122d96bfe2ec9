"""The Collections panel on the demo store: create, refresh on demand, and other stores' rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.models import Product, SmartCollection
from tests.collections_support import collection
from tests.factories import make_store

OLD = datetime(2025, 1, 1, tzinfo=UTC)  # the demo seed's catalogue date; every 5th is newer


def _csrf(client: FlaskClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/collections/new").text)
    assert match
    return match.group(1)


def test_demo_new_arrivals_are_its_recent_products_and_other_stores_are_hidden(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given the demo store, when new arrivals are made, then members are its newest products."""
    seed_demo(SeedSize(customers=20, products=20, days=30, seed=5))
    form = {"title": "New in", "kind": "new_arrivals", "size_limit": "10", "refresh_hour": "6"}
    response = client.post("/collections/new", data=form | {"csrf_token": _csrf(client)})
    assert response.status_code == 302
    run_jobs()
    smart = db.session.scalar(select(SmartCollection))
    assert smart is not None and smart.last_error is None
    recent = db.session.scalars(
        select(Product.platform_id)
        .where(Product.store_id == smart.store_id, Product.platform_created_at > OLD)
        .order_by(Product.platform_created_at.desc(), Product.id.desc())
    ).all()
    assert smart.members == list(recent)[:10] and len(smart.members) == 4
    page = client.get("/collections/").text
    assert "New in" in page and "4 / 10" in page and "Added:" in page

    other = collection(make_store("demo"), title="Not yours")
    assert client.get(f"/collections/{other.id}").status_code == 404
    token = {"csrf_token": _csrf(client)}
    assert client.post(f"/collections/{other.id}/refresh", data=token).status_code == 404
    assert "Not yours" not in client.get("/collections/").text


def test_a_deleted_collection_is_no_longer_kept(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a kept collection, when deleted from its page, then it is gone from the list."""
    seed_demo(SeedSize(customers=10, products=10, days=30, seed=6))
    form = {"title": "Gone soon", "kind": "top_rated", "size_limit": "5", "refresh_hour": "3"}
    client.post("/collections/new", data=form | {"csrf_token": _csrf(client)})
    smart = db.session.scalar(select(SmartCollection))
    assert smart is not None
    page = client.get(f"/collections/{smart.id}").text
    assert 'data-testid="delete-collection"' in page
    token = {"csrf_token": _csrf(client)}
    assert client.post(f"/collections/{smart.id}/delete", data=token).status_code == 302
    run_jobs()  # the refresh queued at save finds nothing to do
    assert db.session.scalar(select(SmartCollection)) is None
    assert "Gone soon" not in client.get("/collections/").text
