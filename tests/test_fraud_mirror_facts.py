"""Facts for the fraud scorer come from the store's own mirror, never another store's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from ecomapp.insights.fraud import score_order
from ecomapp.insights.fraud.mirror_facts import load_order_facts
from tests.factories import customer_record, make_order, make_store

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_history_and_velocity_are_read_from_the_same_store_only(app: Flask) -> None:
    """Given the same e-mail and IP with orders in another store, when an order is screened
    in this store, then it is a first order with no velocity; the other store's own repeat
    order sees its history and the order from the same IP 10 minutes earlier."""
    mine, other = make_store(), make_store()
    buyer = dict(email="same@example.com", platform_id="c-1")
    make_order(other, customer=customer_record(**buyer), client_ip="81.2.69.1", placed_at=NOON)
    later = NOON + timedelta(minutes=10)
    there = make_order(
        other, customer=customer_record(**buyer), client_ip="81.2.69.1", placed_at=later
    )
    here = make_order(
        mine, customer=customer_record(**buyer), client_ip="81.2.69.1", placed_at=later
    )

    facts_here = load_order_facts(mine.id, [here.id, there.id])
    facts_there = load_order_facts(other.id, [there.id])[there.id]

    assert list(facts_here) == [here.id] and facts_here[here.id].history == ()
    assert facts_here[here.id].nearby == ()
    assert len(facts_there.history or ()) == 1 and len(facts_there.nearby) == 1
    reasons = score_order(facts_there).reasons
    assert "2 orders from IP 81.2.69.1 within an hour" in reasons
