"""A WooCommerce order and a Shopify-shaped order with the same facts give the same events."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mirror.orders import apply_order
from ecomapp.mirror.records import AddressRecord, CustomerRecord, LineRecord, OrderRecord
from ecomapp.models import Event, Store
from ecomapp.platforms.woocommerce.normalize import gmt, order_record
from tests.factories import make_store
from tests.fakes.woocommerce import payloads as wc

PLACED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
NEUTRAL = {"order_id", "customer_id"}  # row ids differ between stores by construction


def _facts(store: Store) -> dict[str, dict[str, Any]]:
    events = db.session.scalars(select(Event).where(Event.store_id == store.id))
    return {e.type: {k: v for k, v in e.data.items() if k not in NEUTRAL} for e in events}


def _same_order_as_a_record() -> OrderRecord:
    """The order of wc.order(727) written as any adapter (e.g. Shopify's) would describe it."""
    address = {
        "city": "Paris",
        "zip": "75002",
        "country_code": "FR",
        "address1": "12 Rue de la Paix",
    }
    return OrderRecord(
        platform_id="727",
        name="#727",
        customer=CustomerRecord(
            platform_id="guest:ada@example.com",
            email="ada@example.com",
            first_name="Ada",
            last_name="Lovelace",
        ),
        email="ada@example.com",
        currency="EUR",
        subtotal_price=Decimal("25.00"),
        total_price=Decimal("30.00"),
        financial_status="paid",
        status="open",
        gateway="bacs",
        shipping_method="Flat rate",
        placed_at=PLACED,
        paid_at=PLACED,
        updated_at=PLACED,
        lines=[LineRecord("11", "Tea & Biscuits", 2, Decimal("12.50"), "41", "41")],
        addresses=[
            AddressRecord(kind="billing", name="Ada Lovelace", **address),
            AddressRecord(kind="shipping", name="Ada Lovelace", **address),
        ],
    )


def test_same_facts_produce_the_same_canonical_events(app: object) -> None:
    """Given one order from WooCommerce and its twin from another adapter, then equal events."""
    woo_store, other_store = make_store("woocommerce"), make_store("shopify")
    apply_order(woo_store, order_record(wc.order(727)))
    apply_order(other_store, _same_order_as_a_record())
    db.session.commit()
    woo, other = _facts(woo_store), _facts(other_store)
    # a guest checkout: an order and spend, but no account, so no customer.created
    assert set(woo) == {"order.created", "order.paid", "customer.spend_changed"}
    assert woo == other


def test_gmt_dates_are_utc_and_local_dates_are_not_used() -> None:
    """Given a payload with local and *_gmt dates, then placed_at is the *_gmt instant."""
    record = order_record(wc.order(727))
    assert record.placed_at == PLACED and record.paid_at == PLACED.replace(second=5)
    assert gmt("2026-11-20T09:30:00") == PLACED


def test_partial_refund_is_partially_refunded() -> None:
    """Given a processing order with a refund of part of it, then partially_refunded."""
    record = order_record(wc.order(727, refunds=[wc.refund(1, "5.00")]))
    assert record.financial_status == "partially_refunded"
    assert record.total_refunded == Decimal("5.00") and record.total_price == Decimal("30.00")


def test_cancelled_unpaid_order_is_voided_and_cancelled() -> None:
    """Given a cancelled pending order, then voided, cancelled and a cancellation time."""
    record = order_record(wc.order(727, status="cancelled"))
    assert (record.financial_status, record.status) == ("voided", "cancelled")
    assert record.cancelled_at is not None
