"""Segment conditions on newsletter signups: the source and the interests picked."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.admin.auth import login_token
from ecomapp.extensions import db
from ecomapp.models import Customer, Store
from tests.factories import make_product, make_store
from tests.mail_support import make_customer
from tests.segments_support import builder_form, csrf, members, newest_segment
from tests.signup_support import signup_form, subscribe


@pytest.fixture
def shop(client: FlaskClient, run_jobs: Callable[[], None]) -> Store:
    """A shop with four customers: three subscribed with interests, one who never signed up."""
    store = make_store("shopify", domain="segments-signup.myshopify.com")
    for kind in ("Tea", "Cups", "Pots"):
        make_product(store, product_type=kind)
    for name in ("ann", "bob", "cy", "dee"):
        make_customer(store, email=f"{name}@example.com")
    forms = [
        signup_form("ann@example.com", interests=["Tea", "Cups"]),
        signup_form("BOB@example.com", interests=["Tea"]),
        signup_form("cy@example.com"),
    ]
    subscribe(client, store, run_jobs, forms)
    client.get(f"/login/{login_token(store)}")
    return store


def _emails(segment_id: int) -> set[str]:
    ids = members(segment_id)
    return set(db.session.scalars(select(Customer.email).where(Customer.id.in_(ids))))


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("signup.source", "=", "shopify_app_proxy")], {"ann", "bob", "cy"}),
        ([("signup.source", "is_empty", "")], {"dee"}),
        ([("signup.interests", "=", "tea")], {"ann", "bob"}),
        ([("signup.interests", "=", "Tea", "all")], {"bob"}),
        ([("signup.interests", "=", "Cups", "none")], {"bob", "cy", "dee"}),
        ([("signup.interests", "in", "Cups, Pots")], {"ann"}),
        ([("signup.interests", "is_empty", "")], {"cy", "dee"}),
    ],
)
def test_signup_fields_select_the_right_customers_and_why_agrees(
    client: FlaskClient,
    shop: Store,
    run_jobs: Callable[[], None],
    rows: list[tuple[str, ...]],
    expected: set[str],
) -> None:
    """Given subscribers with interests and a customer who never signed up, when a segment on a
    signup field is saved and computed, then its members are the expected ones and "why" agrees
    for every customer."""
    data = builder_form("Signups", rows) | {"csrf_token": csrf(client)}  # type: ignore[arg-type]
    reply = client.post("/segments/new", data=data)
    assert reply.status_code == 303, reply.get_data(as_text=True)
    run_jobs()
    segment = newest_segment()
    assert _emails(segment.id) == {f"{n}@example.com" for n in expected}
    inside = members(segment.id)
    for cid in db.session.scalars(select(Customer.id)):
        body = client.get(f"/segments/{segment.id}/why?customer={cid}").get_data(as_text=True)
        verdict = "is in the segment" if cid in inside else "is not in the segment"
        assert verdict in body, (cid, body[:2000])


def test_all_with_a_partial_operator_is_refused(client: FlaskClient, shop: Store) -> None:
    """Given interests with quantifier all and `contains`, then the builder names the field."""
    rows = [("signup.interests", "contains", "te", "all")]
    data = builder_form("Bad", rows) | {"csrf_token": csrf(client)}  # type: ignore[arg-type]
    reply = client.post("/segments/new", data=data)
    assert reply.status_code == 422 and "interests take = or != only" in reply.get_data(
        as_text=True
    )
