"""Upsert customers and keep their order aggregates current."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, case, func, select, type_coerce

from ecomapp.events import emit
from ecomapp.events.order_rules import PAID_STATUSES
from ecomapp.extensions import db
from ecomapp.mirror.freshness import is_stale, stamp
from ecomapp.mirror.kinds import classify
from ecomapp.mirror.records import CustomerRecord
from ecomapp.mirror.upsert import upsert_row
from ecomapp.models import Customer, Order, Store
from ecomapp.models.types import as_utc, normalize_tags, utcnow

# Contact facts: who and where the customer is, kept by per-source freshness.
FACTS: tuple[str, ...] = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "company",
    "city",
    "province",
)
FACTS += ("country_code", "zip", "locale")
# Facts the B2B rule reads: a change reclassifies the customer.
_KIND_INPUTS = ("company", "role", "tags")
# Financial statuses of orders whose money was taken (refunds are subtracted).


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
        "has_account": customer.has_account,
        "tags": list(customer.tags),
        "accepts_marketing": customer.accepts_marketing,
        "orders_count": customer.orders_count,
        "total_spent": str(customer.total_spent),
    }


def apply_customer(store: Store, rec: CustomerRecord, from_order: bool = False) -> Customer:
    """Upsert a customer; older versions are ignored, order facts never overwrite fresher ones.

    With `from_order`, the record holds what an order said about its customer, dated by the
    order (`updated_at`): it fills empty facts, and overwrites only when the order is newer
    than the customer's facts; it never moves the customer record's own version.
    """
    customer, created = upsert_row(Customer, store.id, rec.platform_id)
    if not from_order and is_stale(customer.platform_updated_at, rec.updated_at):
        return customer
    had_account, consent_before = customer.has_account, customer.accepts_marketing
    kind_before = tuple(getattr(customer, n) for n in _KIND_INPUTS)
    _copy(customer, rec, from_order)
    db.session.flush()
    if created or kind_before != tuple(getattr(customer, n) for n in _KIND_INPUTS):
        classify(store, [customer.id])
        db.session.expire(customer, ["kind"])
    if customer.has_account and not had_account:
        _emit_account_created(store, customer, rec, created)
    elif not created and customer.accepts_marketing != consent_before:
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


def _emit_account_created(
    store: Store, customer: Customer, rec: CustomerRecord, created: bool
) -> None:
    """Emit customer.created once, when the customer first has an account (guests have none)."""
    emit(
        store.id,
        "customer.created",
        "customer",
        customer.id,
        customer_facts(customer),
        f"customer.created:{rec.platform_id}",
        (rec.created_at if created else rec.updated_at) or rec.updated_at or rec.created_at,
    )


def _copy(customer: Customer, rec: CustomerRecord, from_order: bool) -> None:
    at = rec.updated_at
    known = customer.facts_updated_at or customer.platform_updated_at
    if at is None:
        fresher = not from_order  # an undated order only fills blanks
    elif known is None:
        fresher = True
    else:
        fresher = as_utc(at) > as_utc(known) if from_order else as_utc(at) >= as_utc(known)
    for name in FACTS:
        value = getattr(rec, name)
        if value is not None and value != "" and (fresher or not getattr(customer, name)):
            setattr(customer, name, value)
    if fresher and at is not None:
        customer.facts_updated_at = at
    if rec.has_account is not None and (fresher or not customer.has_account):
        customer.has_account = rec.has_account
    if rec.role is not None and (fresher or not customer.role):
        customer.role = rec.role
    _copy_profile(customer, rec, from_order)


def _copy_profile(customer: Customer, rec: CustomerRecord, from_order: bool) -> None:
    """Copy what only the customer record is authoritative for: tags, consent, versions."""
    if rec.created_at is not None:
        first = customer.platform_created_at
        customer.platform_created_at = min(first, rec.created_at) if first else rec.created_at
    consent = rec.accepts_marketing
    newer = not from_order or not is_stale(customer.marketing_updated_at, rec.updated_at)
    if consent is not None and consent != customer.accepts_marketing and newer:
        customer.accepts_marketing = consent
        customer.marketing_updated_at = rec.updated_at or utcnow()
    if from_order:
        return
    if rec.tags is not None:
        customer.tags = normalize_tags(rec.tags)
    customer.platform_updated_at = rec.updated_at or customer.platform_updated_at


def refresh_aggregates(store: Store, customer: Customer) -> Decimal:
    """Recompute orders count, spend and first/last order from the mirror; return old spend.

    Spend is money paid net of refunds, as the platforms count it: only orders whose payment
    was taken (paid, partially refunded, refunded) add their total less what was refunded.
    """
    previous = customer.total_spent or Decimal("0")
    net = type_coerce(Order.total_price, BigInteger) - type_coerce(Order.total_refunded, BigInteger)
    paid = case((Order.financial_status.in_(sorted(PAID_STATUSES)), net), else_=0)
    row = db.session.execute(
        select(
            func.count(Order.id),
            func.coalesce(func.sum(paid), 0),
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
