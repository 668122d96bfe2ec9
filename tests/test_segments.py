"""Segments through the panel: built, computed set-based, checked against hand-written SQL,
validated field by field, explained per customer, and kept to their own store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.admin.auth import login_token
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.models import Customer, CustomerRfm, Segment, Store
from tests.factories import make_store
from tests.segments_support import (
    builder_form,
    count,
    csrf,
    hand_written,
    members,
    newest_segment,
)

AS_OF = datetime(2026, 6, 15, 12, tzinfo=UTC)


@pytest.fixture
def seeded(client: FlaskClient, time_machine: object) -> Store:
    """Seed the demo store as of AS_OF (the clock stands there) and sign into its panel."""
    time_machine.move_to(AS_OF, tick=False)  # type: ignore[attr-defined]
    seed_demo(SeedSize(customers=300, products=10, days=365, seed=11, as_of=AS_OF.date()))
    store = db.session.scalar(select(Store))
    assert store is not None
    client.get(f"/login/{login_token(store)}")
    return store


def _save(client: FlaskClient, name: str, rows: list[tuple[str, ...]], match: str = "all") -> int:
    data = builder_form(name, rows, match) | {"csrf_token": csrf(client)}  # type: ignore[arg-type]
    return client.post("/segments/new", data=data).status_code


def test_a_segment_built_in_the_panel_matches_a_hand_written_query(
    client: FlaskClient, seeded: Store, run_jobs: Callable[[], None]
) -> None:
    """Given a seeded store, when the merchant saves 'repeat buyers who spent 100+ and ordered in
    the last 90 days', then its members are exactly what a hand-written SQL query selects."""
    rows = [
        ("customer.orders_count", ">=", "2"),
        ("customer.total_spent", ">=", "100"),
        ("customer.days_since_last_order", "<", "90"),
    ]
    assert _save(client, "Recent repeat buyers", rows) == 303
    run_jobs()
    segment = newest_segment()
    expected = hand_written(
        "SELECT id FROM customers WHERE store_id = :s AND orders_count >= 2"
        " AND total_spent >= 10000 AND last_order_at > :since",
        s=seeded.id,
        since=(AS_OF - timedelta(days=90)).replace(tzinfo=None),
    )
    assert expected and members(segment.id) == expected
    assert segment.members == len(expected)
    page = client.get(f"/segments/{segment.id}").get_data(as_text=True)
    assert f"{len(expected):,}" in page and 'data-testid="segment-trend"' in page


def test_history_fields_match_hand_written_exists_queries(
    client: FlaskClient, seeded: Store, run_jobs: Callable[[], None]
) -> None:
    """Given a seeded store, when a segment asks for buyers of a vendor who never had a refund,
    then its members are what EXISTS queries over orders and lines select."""
    vendor = db.session.execute(
        db.text("SELECT vendor FROM line_items WHERE vendor IS NOT NULL LIMIT 1")
    ).scalar_one()
    rows = [
        ("orders.vendor", "=", vendor, "any"),
        ("orders.financial_status", "=", "refunded", "none"),
    ]
    assert _save(client, "Vendor fans", rows) == 303
    run_jobs()
    expected = hand_written(
        "SELECT c.id FROM customers c WHERE c.store_id = :s AND EXISTS (SELECT 1 FROM orders o"
        " JOIN line_items l ON l.order_id = o.id WHERE o.customer_id = c.id AND o.store_id = :s"
        " AND o.cancelled_at IS NULL AND lower(l.vendor) = lower(:v)) AND NOT EXISTS (SELECT 1"
        " FROM orders o WHERE o.customer_id = c.id AND o.financial_status = 'refunded')",
        s=seeded.id,
        v=vendor,
    )
    assert expected and members(newest_segment().id) == expected


@pytest.mark.parametrize(
    ("row", "named"),
    [
        (("customer.orders_count", ">=", "many"), "conditions.all[0].value"),
        (("customer.favourite_colour", "=", "red"), "conditions.all[0].field"),
        (("customer.tags", ">", "vip"), "conditions.all[0].op"),
        (("customer.days_since_last_order", "<", "2.5"), "conditions.all[0].value"),
    ],
)
def test_a_bad_rule_is_refused_naming_its_field(
    client: FlaskClient, seeded: Store, row: tuple[str, str, str], named: str
) -> None:
    """Given the builder, when a rule is malformed, then 422 names the field and no row is made."""
    data = builder_form("Broken", [row]) | {"csrf_token": csrf(client)}
    response = client.post("/segments/new", data=data)
    assert response.status_code == 422
    assert named in response.get_data(as_text=True)
    assert count(Segment) == 0


def test_a_nameless_segment_is_refused(client: FlaskClient, seeded: Store) -> None:
    """Given the builder, when the name is empty, then the error names it."""
    data = builder_form(" ", [("customer.orders_count", ">=", "1")]) | {"csrf_token": csrf(client)}
    response = client.post("/segments/new", data=data)
    assert response.status_code == 422 and "name" in response.get_data(as_text=True)


def test_why_shows_the_failing_condition_with_its_actual_value(
    client: FlaskClient, seeded: Store, run_jobs: Callable[[], None]
) -> None:
    """Given a 'spent 1,000,000+' segment, when the merchant asks about a customer, then the page
    says they are out and shows their real spend beside the failing condition."""
    assert _save(client, "Whales", [("customer.total_spent", ">=", "1000000")]) == 303
    run_jobs()
    customer = db.session.scalar(
        select(Customer).where(Customer.total_spent > 0).order_by(Customer.id).limit(1)
    )
    assert customer is not None and customer.email
    segment = newest_segment()
    page = client.get(f"/segments/{segment.id}/why", query_string={"customer": customer.email})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "is not in the segment" in body and f'"{customer.total_spent}"' in body
    assert "✗" in body
    missing = client.get(f"/segments/{segment.id}/why", query_string={"customer": "no@one.x"})
    assert missing.status_code == 404


def test_rfm_groups_are_scored_nightly_for_every_customer(
    client: FlaskClient, seeded: Store, run_jobs: Callable[[], None]
) -> None:
    """Given a seeded store, when the nightly refresh runs, then every buyer has an RFM group and
    an 'rfm_group = prospects' segment holds exactly the customers without orders."""
    assert _save(client, "Prospects", [("customer.rfm_group", "=", "prospects")]) == 303
    assert _save(client, "Champions", [("customer.rfm_group", "=", "champions")]) == 303
    db.session.commit()
    from ecomapp.segments.jobs import refresh_store

    refresh_store(seeded.id)
    buyers = count(Customer, Customer.store_id == seeded.id, Customer.orders_count > 0)
    assert count(CustomerRfm, CustomerRfm.store_id == seeded.id) == buyers
    prospects = hand_written(
        "SELECT id FROM customers WHERE store_id = :s AND orders_count = 0", s=seeded.id
    )
    segments = {s.name: s for s in db.session.scalars(select(Segment))}
    assert members(segments["Prospects"].id) == prospects
    champions = hand_written(
        "SELECT customer_id FROM customer_rfm WHERE rfm_group = 'champions' AND store_id = :s",
        s=seeded.id,
    )
    assert champions and members(segments["Champions"].id) == champions


def test_a_store_sees_and_counts_only_its_own_segments(
    client: FlaskClient, seeded: Store, run_jobs: Callable[[], None]
) -> None:
    """Given two stores with customers, when each has an 'everyone' segment, then members stay
    within their store and one store cannot open the other's segment."""
    other = make_store(platform="demo", domain="other.example")
    for i in range(3):
        db.session.add(Customer(store_id=other.id, platform_id=f"o{i}", email=f"o{i}@x.test"))
    db.session.commit()
    assert _save(client, "Everyone", [("customer.orders_count", ">=", "0")]) == 303
    run_jobs()
    mine = newest_segment()
    assert members(mine.id) == hand_written(
        "SELECT id FROM customers WHERE store_id = :s", s=seeded.id
    )
    theirs = Segment(store_id=other.id, name="Theirs", conditions={"all": []})
    db.session.add(theirs)
    db.session.commit()
    assert client.get(f"/segments/{theirs.id}").status_code == 404
    assert client.get(f"/segments/{theirs.id}/why?customer=o1@x.test").status_code == 404
    assert "Theirs" not in client.get("/segments/").get_data(as_text=True)
    why = client.get(f"/segments/{mine.id}/why", query_string={"customer": "o1@x.test"})
    assert why.status_code == 404  # another store's customer is not found here


def test_coupon_codes_are_mirrored_from_woocommerce_coupon_lines(app: object) -> None:
    """Given a WooCommerce order with two coupon lines, when it is mirrored, then the order keeps
    both codes (and an order payload without coupon_lines keeps the codes it had)."""
    from ecomapp.mirror.orders import apply_order
    from ecomapp.models import Order
    from ecomapp.platforms.woocommerce.normalize import order_record
    from tests.fakes.woocommerce import payloads as wc

    store = make_store(platform="woocommerce", domain="coupons.example")
    body = wc.order() | {
        "coupon_lines": [
            {"id": 1, "code": "spring10", "discount": "5.00"},
            {"id": 2, "code": "FREESHIP", "discount": "4.00"},
        ]
    }
    apply_order(store, order_record(body))
    db.session.commit()
    order = db.session.scalar(select(Order).where(Order.store_id == store.id))
    assert order is not None and order.discount_codes == ["spring10", "FREESHIP"]
    trimmed = {k: v for k, v in body.items() if k != "coupon_lines"}
    trimmed["date_modified_gmt"] = "2099-01-01T00:00:00"
    apply_order(store, order_record(trimmed))
    db.session.commit()
    db.session.refresh(order)
    assert order.discount_codes == ["spring10", "FREESHIP"]


def test_rfm_groups_follow_the_quintile_grid(app: object, time_machine: object) -> None:
    """Given ten buyers each more recent, frequent and generous than the last, an old big spender
    and a customer without orders, when the nightly refresh scores the store, then each lands in
    the group the R and F+M quintiles give (docs/segments.md), and a segment finds them by it."""
    from decimal import Decimal

    from ecomapp.segments.jobs import refresh_store
    from ecomapp.segments.library import save_segment

    time_machine.move_to(AS_OF, tick=False)  # type: ignore[attr-defined]
    store = make_store(platform="demo", domain="rfm.example")

    def buyer(name: str, days_ago: int, orders: int, spent: int) -> Customer:
        return Customer(
            store_id=store.id,
            platform_id=name,
            orders_count=orders,
            total_spent=Decimal(spent),
            first_order_at=AS_OF - timedelta(days=500),
            last_order_at=AS_OF - timedelta(days=days_ago),
        )

    rows = [buyer(f"a{i}", 300 - 30 * i, i + 1, (i + 1) * 100) for i in range(10)]
    rows += [buyer("old-big", 400, 20, 5000), Customer(store_id=store.id, platform_id="p")]
    db.session.add_all(rows)
    db.session.commit()
    segment = save_segment(
        store,
        "Previously loyal",
        {
            "all": [
                {
                    "field": "customer.rfm_group",
                    "op": "in",
                    "value": ["previously_loyal", "prospects"],
                }
            ]
        },
    )
    db.session.commit()
    refresh_store(store.id)
    groups = dict(
        db.session.execute(
            select(Customer.platform_id, CustomerRfm.rfm_group).join(
                CustomerRfm, CustomerRfm.customer_id == Customer.id
            )
        ).all()
    )
    assert groups == {
        "a0": "dormant",
        "a1": "dormant",
        "a2": "dormant",
        "a3": "almost_lost",
        "a4": "needs_attention",
        "a5": "active",
        "a6": "loyal",
        "a7": "champions",
        "a8": "champions",
        "a9": "champions",
        "old-big": "previously_loyal",
    }
    ids = {c.platform_id: c.id for c in rows}
    assert members(segment.id) == {ids["old-big"], ids["p"]}


def test_editing_the_rules_moves_members_and_announces_who_left(
    client: FlaskClient, seeded: Store, run_jobs: Callable[[], None]
) -> None:
    """Given a computed 'spent 50+' segment, when the merchant raises it to 500+ in the builder,
    then the version goes up, the members are the 500+ spenders, and each customer who fell out
    gets one customer.left_segment (the first computation announced no one)."""
    from ecomapp.models import Event

    assert _save(client, "Spenders", [("customer.total_spent", ">=", "50")]) == 303
    run_jobs()
    segment = newest_segment()
    before = members(segment.id)
    assert count(Event, Event.type == "customer.entered_segment") == 0
    data = builder_form("Spenders", [("customer.total_spent", ">=", "500")])
    response = client.post(f"/segments/{segment.id}/edit", data=data | {"csrf_token": csrf(client)})
    assert response.status_code == 303
    run_jobs()
    db.session.refresh(segment)
    after = hand_written(
        "SELECT id FROM customers WHERE store_id = :s AND total_spent >= 50000", s=seeded.id
    )
    assert segment.version == 2 and members(segment.id) == after and after < before
    left = db.session.scalars(select(Event.subject_id).where(Event.type == "customer.left_segment"))
    assert sorted(left) == sorted(before - after)


@pytest.mark.parametrize(
    "rows",
    [
        [("customer.days_since_last_order", "<=", "30")],
        [("customer.days_since_first_order", "between", "100, 200")],
        [("orders.financial_status", "!=", "paid", "any"), ("customer.zip", "starts_with", "1")],
        [
            ("orders.product_title", "contains", "a", "all"),
            ("customer.accepts_marketing", "=", "true"),
        ],
    ],
)
def test_why_agrees_with_the_sql_for_every_customer(
    client: FlaskClient, seeded: Store, run_jobs: Callable[[], None], rows: list[tuple[str, ...]]
) -> None:
    """Given a computed segment, when the merchant asks why for a sample of customers, then the
    per-customer evaluation agrees with the set-based membership for each of them."""
    assert _save(client, "Sample", rows) == 303
    run_jobs()
    segment = newest_segment()
    inside = members(segment.id)
    sample = list(db.session.scalars(select(Customer.id).order_by(Customer.id)))[::10]
    assert inside and any(cid not in inside for cid in sample)
    for cid in sample:
        body = client.get(f"/segments/{segment.id}/why?customer={cid}").get_data(as_text=True)
        verdict = "is in the segment" if cid in inside else "is not in the segment"
        assert verdict in body and "will move them" not in body, cid


def test_many_moves_are_recorded_once_each_even_when_announced_twice(app: object) -> None:
    """Given moves announced in bulk, when the same moves are announced again (a retried job),
    then each event exists once and the engine has each pending once."""
    from ecomapp.events.bus import emit_many
    from ecomapp.models import Event, PendingEvent

    store = make_store(platform="demo", domain="bulk.example")
    items = [(n, {"segment": "VIP"}, f"customer.entered_segment:1:{n}:t") for n in range(1, 301)]
    assert emit_many(store.id, "customer.entered_segment", "customer", items) == 300
    db.session.commit()
    assert emit_many(store.id, "customer.entered_segment", "customer", items) == 0
    db.session.commit()
    assert count(Event, Event.store_id == store.id) == 300
    assert count(PendingEvent, PendingEvent.store_id == store.id) == 300


def test_the_refresh_command_recomputes_and_prints_sizes(
    client: FlaskClient, seeded: Store, run_jobs: Callable[[], None], runner: object
) -> None:
    """Given a saved segment, when `flask segments-refresh STORE` runs, then it prints its size;
    an unknown store is refused."""
    assert _save(client, "Buyers", [("customer.orders_count", ">=", "1")]) == 303
    run_jobs()
    result = runner.invoke(args=["segments-refresh", str(seeded.id)])  # type: ignore[attr-defined]
    size = len(hand_written("SELECT id FROM customers WHERE orders_count >= 1"))
    assert result.exit_code == 0 and f"Buyers: {size:,} customers" in result.output
    missing = runner.invoke(args=["segments-refresh", "999999"])  # type: ignore[attr-defined]
    assert missing.exit_code != 0 and "no store" in missing.output
