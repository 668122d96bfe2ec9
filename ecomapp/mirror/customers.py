"""Upsert customers and keep their order aggregates current."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, func, select, type_coerce

from ecomapp.events import emit
from ecomapp.extensions import db
from ecomapp.mirror.freshness import is_stale, stamp
from ecomapp.mirror.records import CustomerRecord
from ecomapp.models import Customer, Order, Store
from ecomapp.models.types import normalize_tags, utcnow

_COPIED = ("email", "phone", "first_name", "last_name", "kind", "company")
_COPIED += ("city", "province", "country_code", "zip")


def find_customer(store: Store, platform_id: str) -> Customer | None:
    """Return the store's customer with this platform id."""
    return db.session.scalar(
        select(Customer).where(Customer.store_id == store.id, Customer.platform_id == platform_id)
    )


def customer_facts(customer: Customer) -> dict[str, object]:
    """Return the platform-neutral facts an event carries about a customer."""
    return {
        "customer_id": customer.id,
        "email": customer.email,
        "first_name": customer.first_name,
        "kind": customer.kind,
        "tags": list(customer.tags),
        "accepts_marketing": customer.accepts_marketing,
        "orders_count": customer.orders_count,
        "total_spent": str(customer.total_spent),
    }


def apply_customer(store: Store, rec: CustomerRecord) -> Customer:
    """Upsert a customer from a record; older versions are ignored."""
    customer = find_customer(store, rec.platform_id)
    created = customer is None
    if customer is None:
        customer = Customer(store_id=store.id, platform_id=rec.platform_id, tags=[])
        db.session.add(customer)
    elif is_stale(customer.platform_updated_at, rec.updated_at):
        return customer
    consent_before = customer.accepts_marketing
    _copy(customer, rec)
    db.session.flush()
    if created:
        emit(
            store.id,
            "customer.created",
            "customer",
            customer.id,
            customer_facts(customer),
            f"customer.created:{rec.platform_id}",
            rec.created_at,
        )
    elif rec.accepts_marketing is not None and rec.accepts_marketing != consent_before:
        data = customer_facts(customer) | {"previous": consent_before}
        emit(
            store.id,
            "customer.consent_changed",
            "customer",
            customer.id,
            data,
            f"customer.consent:{rec.platform_id}:{stamp(rec.updated_at)}",
            rec.updated_at,
        )
    return customer


def _copy(customer: Customer, rec: CustomerRecord) -> None:
    for name in _COPIED:
        value = getattr(rec, name)
        if value is not None:
            setattr(customer, name, value)
    if rec.tags is not None:
        customer.tags = normalize_tags(rec.tags)
    if rec.accepts_marketing is not None and rec.accepts_marketing != customer.accepts_marketing:
        customer.accepts_marketing = rec.accepts_marketing
        customer.marketing_updated_at = rec.updated_at or utcnow()
    customer.platform_created_at = customer.platform_created_at or rec.created_at
    customer.platform_updated_at = rec.updated_at or customer.platform_updated_at


def refresh_aggregates(store: Store, customer: Customer) -> Decimal:
    """Recompute orders count, spend and first/last order from the mirror; return old spend."""
    previous = customer.total_spent or Decimal("0")
    net = type_coerce(Order.total_price, BigInteger) - type_coerce(Order.total_refunded, BigInteger)
    row = db.session.execute(
        select(
            func.count(Order.id),
            func.coalesce(func.sum(net), 0),
            func.min(Order.placed_at),
            func.max(Order.placed_at),
        ).where(
            Order.store_id == store.id,
            Order.customer_id == customer.id,
            Order.cancelled_at.is_(None),
        )
    ).one()
    customer.orders_count = int(row[0])
    customer.total_spent = Decimal(int(row[1])) / 100
    customer.first_order_at, customer.last_order_at = row[2], row[3]
    return previous
