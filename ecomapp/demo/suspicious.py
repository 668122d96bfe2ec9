"""Suspicious orders on the demo store: a few at seed time (screened), one on demand."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mirror.orders import apply_order
from ecomapp.mirror.records import AddressRecord, LineRecord, OrderRecord
from ecomapp.models import Product, Store, Variant


@dataclass(frozen=True)
class Pattern:
    """One kind of fraud the demo shows: who, from where, billed and shipped where."""

    email: str
    ip: str
    billing: tuple[str, str, str, str]  # city, province, country, postcode
    shipping: tuple[str, str, str, str]
    units: int
    failures: int = 0


PATTERNS = (  # the first three score high, the last medium
    Pattern(
        "j.walker@mailinator.com",
        "197.210.0.10",
        ("Toronto", "ON", "CA", "M5J 2N8"),
        ("Newark", "NJ", "US", "07102"),
        8,
        2,
    ),
    Pattern(
        "fastbuyer77@example.net",
        "185.220.101.1",
        ("Portland", "OR", "US", "97201"),
        ("Miami", "FL", "US", "33101"),
        6,
        3,
    ),
    Pattern(
        "gift.cards.now@example.org",
        "5.188.0.1",
        ("Austin", "TX", "US", "73301"),
        ("Lagos", "LA", "NG", "100001"),
        7,
    ),
    Pattern(
        "anna.k@example.com",
        "102.89.0.5",
        ("Seattle", "WA", "US", "98101"),
        ("Seattle", "WA", "US", "98109"),
        5,
        1,
    ),
)


def _priciest_line(store: Store, units: int) -> list[LineRecord]:
    found = db.session.execute(
        select(Variant, Product)
        .join(Product, Variant.product_id == Product.id)
        .where(Variant.store_id == store.id)
        .order_by(Variant.price.desc())
        .limit(1)
    ).first()
    if found is None:
        return []
    variant, product = found
    line = LineRecord(
        platform_id=uuid.uuid4().hex[:10],
        title=product.title,
        quantity=units,
        price=variant.price,
        product_platform_id=product.platform_id,
        variant_platform_id=variant.platform_id,
        vendor=product.vendor,
        product_type=product.product_type,
        sku=variant.sku,
    )
    return [line]


def suspicious_record(store: Store, pattern: Pattern, placed: datetime, pid: str) -> OrderRecord:
    """Return a paid first order of the pattern: many units of the priciest product."""
    lines = _priciest_line(store, pattern.units)
    total = sum((li.price * li.quantity for li in lines), Decimal("0")) or Decimal("1500.00")
    name = pattern.email.split("@")[0].replace(".", " ").title()

    def place(kind: str, where: tuple[str, str, str, str], who: str) -> AddressRecord:
        city, province, country, postcode = where
        return AddressRecord(
            kind=kind, name=who, city=city, province=province, country_code=country, zip=postcode
        )

    return OrderRecord(
        platform_id=pid,
        name=f"#R{pid[-4:]}",
        customer=None,  # guest checkouts: no account, first seen by e-mail
        email=pattern.email,
        currency=store.currency,
        subtotal_price=total,
        total_price=total,
        financial_status="paid",
        gateway="shopify_payments",
        shipping_method="Express",
        client_ip=pattern.ip,
        payment_failures=pattern.failures,
        placed_at=placed,
        paid_at=placed,
        updated_at=placed,
        lines=lines,
        addresses=[
            place("billing", pattern.billing, name),
            place("shipping", pattern.shipping, "R. Reshipper"),
        ],
    )


def seed_suspicious_orders(store: Store, now: datetime) -> int:
    """Add the patterns' orders of the last days and screen them (held ones are on hold)."""
    from ecomapp.automation.fraud_screening import screen_stored_orders

    ids = []
    for n, pattern in enumerate(PATTERNS):
        placed = now - timedelta(days=n + 1, hours=3 * n)
        order = apply_order(store, suspicious_record(store, pattern, placed, f"demo-risk-{n + 1}"))
        ids.append(order.id)
    db.session.flush()
    return len(screen_stored_orders(store, ids))
