"""Events a person trying the demo can cause: each goes through the door like a webhook."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ecomapp.demo import catalog as c
from ecomapp.demo.seed import DEMO_DOMAIN
from ecomapp.extensions import db
from ecomapp.mirror.carts import DEFAULT_ABANDON_MINUTES
from ecomapp.mirror.records import (
    AddressRecord,
    CartRecord,
    CustomerRecord,
    InventoryRecord,
    LineRecord,
    OrderRecord,
)
from ecomapp.models import BackInStockRequest, Customer, Product, Store, Variant, utcnow
from ecomapp.platforms.demo_payloads import to_payload
from ecomapp.webhooks.inbox import record_delivery

_rng = random.Random()


def _deliver(store: Store, topic: str, record: object) -> str:
    """Record a demo delivery at the door; return its id."""
    external_id = f"demo-{topic}-{uuid.uuid4().hex[:12]}"
    body = json.dumps(to_payload(record)).encode()
    record_delivery("demo", external_id, topic, body, store_id=store.id)
    return external_id


def new_customer_record() -> CustomerRecord:
    """Return a made-up customer who just signed up."""
    first, last = _rng.choice(c.FIRST_NAMES), _rng.choice(c.LAST_NAMES)
    tag = uuid.uuid4().hex[:6]
    city, province, country, zipcode = _rng.choice(c.CITIES)
    now = utcnow()
    return CustomerRecord(
        platform_id=f"demo-try-c{tag}",
        email=f"{first.lower()}.{tag}@example.com",
        first_name=first,
        last_name=last,
        accepts_marketing=True,
        kind="b2c",
        city=city,
        province=province,
        country_code=country,
        zip=zipcode,
        has_account=True,
        created_at=now,
        updated_at=now,
    )


def _existing_customer(store: Store) -> CustomerRecord:
    customer = db.session.scalar(
        select(Customer).where(Customer.store_id == store.id).order_by(func.random()).limit(1)
    )
    if customer is None:
        return new_customer_record()
    return CustomerRecord(
        platform_id=customer.platform_id,
        email=customer.email,
        first_name=customer.first_name,
        last_name=customer.last_name,
    )


def _lines(store: Store) -> list[LineRecord]:
    variants = db.session.execute(
        select(Variant, Product)
        .join(Product, Variant.product_id == Product.id)
        .where(Variant.store_id == store.id)
        .order_by(func.random())
        .limit(_rng.choice((1, 2)))
    ).all()
    return [
        LineRecord(
            platform_id=uuid.uuid4().hex[:10],
            title=p.title,
            quantity=1,
            price=v.price,
            product_platform_id=p.platform_id,
            variant_platform_id=v.platform_id,
            vendor=p.vendor,
            product_type=p.product_type,
            sku=v.sku,
        )
        for v, p in variants
    ]


def place_order(store: Store, total: Decimal | None = None) -> str:
    """Deliver a paid order from a random existing customer."""
    lines = _lines(store)
    subtotal = sum((li.price * li.quantity for li in lines), Decimal("0"))
    now = utcnow()
    customer = _existing_customer(store)
    city = _rng.choice(c.CITIES)
    address = {"city": city[0], "province": city[1], "country_code": city[2], "zip": city[3]}
    record = OrderRecord(
        platform_id=f"demo-try-o{uuid.uuid4().hex[:10]}",
        name=f"#T{_rng.randint(1000, 9999)}",
        customer=customer,
        email=customer.email,
        currency=store.currency,
        subtotal_price=subtotal,
        total_price=total if total is not None else subtotal,
        financial_status="paid",
        gateway="shopify_payments",
        shipping_method="Standard",
        placed_at=now,
        paid_at=now,
        updated_at=now,
        lines=lines,
        addresses=[
            AddressRecord(kind="billing", **address),
            AddressRecord(kind="shipping", **address),
        ],
    )
    return _deliver(store, "order", record)


def sign_up_customer(store: Store) -> str:
    """Deliver a new customer account."""
    return _deliver(store, "customer", new_customer_record())


def leave_cart(store: Store) -> str:
    """Deliver a cart that went quiet long enough ago to be abandoned at the next sweep."""
    minutes = int(store.settings.get("abandon_after_minutes", DEFAULT_ABANDON_MINUTES))
    quiet_since = utcnow() - timedelta(minutes=minutes + 1)
    customer = _existing_customer(store)
    lines = _lines(store)
    token = f"demo-try-cart{uuid.uuid4().hex[:10]}"
    record = CartRecord(
        platform_id=token,
        email=customer.email,
        customer=customer,
        items=[
            {
                "title": li.title,
                "sku": li.sku,
                "quantity": li.quantity,
                "price": str(li.price),
                "variant_platform_id": li.variant_platform_id,
            }
            for li in lines
        ],
        total_price=sum((li.price for li in lines), Decimal("0")),
        currency=store.currency,
        recovery_url=f"https://{DEMO_DOMAIN}/cart/recover/{token}",
        created_at=quiet_since,
        updated_at=quiet_since,
    )
    return _deliver(store, "cart", record)


def drop_stock(store: Store) -> str | None:
    """Deliver a stock level just under a variant's threshold (a low-stock crossing)."""
    variant = db.session.scalar(
        select(Variant)
        .where(
            Variant.store_id == store.id,
            Variant.low_stock_threshold.is_not(None),
            Variant.inventory_quantity >= Variant.low_stock_threshold,
        )
        .order_by(func.random())
        .limit(1)
    )
    if variant is None:
        return None
    record = InventoryRecord(
        available=max((variant.low_stock_threshold or 1) - 1, 0),
        inventory_item_id=variant.inventory_item_id,
        updated_at=utcnow(),
    )
    return _deliver(store, "inventory", record)


def restock_waited(store: Store) -> str | None:
    """Deliver 3 units of a sold-out variant that shoppers are waiting for (back in stock)."""
    variant = db.session.scalar(
        select(Variant)
        .join(BackInStockRequest, BackInStockRequest.variant_id == Variant.id)
        .where(
            Variant.store_id == store.id,
            Variant.inventory_quantity <= 0,
            BackInStockRequest.store_id == store.id,
            BackInStockRequest.status == "waiting",
        )
        .order_by(Variant.id)
        .limit(1)
    )
    if variant is None:
        return None
    record = InventoryRecord(
        available=3, inventory_item_id=variant.inventory_item_id, updated_at=utcnow()
    )
    return _deliver(store, "inventory", record)


def place_suspicious_order(store: Store) -> str:
    """Deliver a first order with fraud's marks (the fraud recipes hold or flag it)."""
    from ecomapp.demo.suspicious import PATTERNS, suspicious_record

    pattern = _rng.choice(PATTERNS[:3])  # the high-risk ones
    tag = uuid.uuid4().hex[:8]
    pattern = replace(pattern, email=pattern.email.replace("@", f"+{tag}@"))
    record = suspicious_record(store, pattern, utcnow(), f"demo-try-risk-{tag}")
    return _deliver(store, "order", record)


DEMO_CONSENT = "Yes, e-mail me news and offers. I can unsubscribe at any time."


def subscribe_to_newsletter(store: Store) -> str:
    """A shopper fills in the storefront signup form and opens the link the mail sent them."""
    from ecomapp.signups.links import confirm_url
    from ecomapp.signups.records import SignupForm, confirm, submit

    person = new_customer_record()
    kinds = db.session.scalars(
        select(Product.product_type).where(Product.store_id == store.id).distinct()
    ).all()
    interests = _rng.sample([k for k in kinds if k], k=min(2, len([k for k in kinds if k])))
    name = f"{person.first_name} {person.last_name}"
    form = SignupForm(person.email or "", name, "", interests, DEMO_CONSENT, "demo")
    row, _ = submit(store, form)
    db.session.flush()
    assert row.nonce is not None  # a new signup always has its link's nonce
    confirm(confirm_url(row.id, row.nonce).rsplit("/", 1)[1])
    return f"demo-signup-{row.id}"
