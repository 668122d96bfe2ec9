"""A segment kept as a Shopify customer segment on its tag (segmentCreate, then segmentUpdate)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.admin.auth import login_token
from ecomapp.extensions import db
from ecomapp.models import JobRecord, Segment, Store
from ecomapp.segments.library import save_segment
from tests.fakes.shopify_server import FakeShopify
from tests.segments_support import csrf
from tests.shopify.support import installed
from tests.storefront_support import woo_store_with_plugin

SHOP = "segment-groups.myshopify.com"
RULES = {"all": [{"field": "customer.orders_count", "op": ">=", "value": "0"}]}


def _keep(client: FlaskClient, store: Store, name: str = "Big spenders") -> Segment:
    segment = save_segment(store, name, RULES)
    db.session.commit()
    client.get(f"/login/{login_token(store)}")
    reply = client.post(f"/segments/{segment.id}/platform-group", data={"csrf_token": csrf(client)})
    assert reply.status_code == 303, reply.get_data(as_text=True)
    return segment


def test_a_segment_becomes_a_shopify_segment_on_its_tag_then_is_updated(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a segment, when the merchant keeps it as a customer segment, then segmentCreate
    makes one whose ShopifyQL selects the segment's tag; pressing again after a rename updates
    the same one with segmentUpdate."""
    store = installed(fake, SHOP)
    segment = _keep(client, store)
    run_jobs()
    [(gid, made)] = fake.segments.items()
    assert made == {
        "name": "Big spenders (ecomapp)",
        "query": "customer_tags CONTAINS 'segment: Big spenders'",
    }
    assert db.session.get(Segment, segment.id).platform_group_id == gid
    segment = db.session.get(Segment, segment.id)
    segment.name = "Top spenders"
    db.session.commit()
    client.post(f"/segments/{segment.id}/platform-group", data={"csrf_token": csrf(client)})
    run_jobs()
    assert list(fake.segments) == [gid] and fake.segments[gid]["name"] == "Top spenders (ecomapp)"
    assert [c["op"] for c in fake.calls if c.get("op", "").startswith("segment")] == [
        "segmentCreate",
        "segmentUpdate",
    ]


def test_shopify_refuses_a_taken_name_and_the_job_says_why(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a Shopify segment already named like ours, when we create ours, then Shopify's
    userError is the recorded failure and no id is kept."""
    store = installed(fake, SHOP)
    fake.segments["gid://shopify/Segment/1"] = {"name": "Big spenders (ecomapp)", "query": "x"}
    segment = _keep(client, store)
    run_jobs()
    job = db.session.scalar(select(JobRecord).where(JobRecord.job.like("%save_group")))
    assert job is not None and "Name has already been taken" in (job.error or "")
    assert db.session.get(Segment, segment.id).platform_group_id is None


def test_woocommerce_has_no_customer_groups(client: FlaskClient) -> None:
    """Given a WooCommerce store, then the panel says the tag is the group and refuses."""
    store = woo_store_with_plugin()
    segment = save_segment(store, "Big spenders", RULES)
    db.session.commit()
    client.get(f"/login/{login_token(store)}")
    page = client.get(f"/segments/{segment.id}").get_data(as_text=True)
    assert "no customer groups" in page and 'data-testid="platform-group"' not in page
    reply = client.post(f"/segments/{segment.id}/platform-group", data={"csrf_token": csrf(client)})
    assert reply.status_code == 409
