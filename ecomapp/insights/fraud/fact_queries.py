"""The fraud scorer's statements, built once with bound parameters: building them again for
every order costs more CPU than the database spends running them."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Executable,
    and_,
    bindparam,
    case,
    func,
    literal,
    null,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import aliased

from ecomapp.models import Address, Order

STORE_VALUES_WINDOW = 5000  # the store's most recent orders that rank a first order's value
PAID = ("paid", "partially_refunded", "refunded")
SHIP = aliased(Address, name="ship")
BILL = aliased(Address, name="bill")
STORE: BindParameter[int] = bindparam("store_id")
SINCE: BindParameter[Any] = bindparam("since")
UNTIL: BindParameter[Any] = bindparam("until")


def _many(name: str) -> Any:
    return bindparam(name, expanding=True)


def _place(address: Any, prefix: str) -> list[Any]:
    columns = ("id", "name", "address1", "province", "zip", "country_code", "phone", "company")
    return [getattr(address, c).label(prefix + c) for c in columns]


# The orders' own facts, one plain row each with its billing and shipping address (at most one
# of each: unique order and kind), not ORM objects: building those cost more CPU than the query.
ORDERS = (
    select(Order.id, Order.customer_id, Order.email, Order.currency, Order.total_price)
    .add_columns(Order.placed_at, Order.client_ip, Order.payment_card, Order.payment_failures)
    .add_columns(Order.platform_risk, *_place(BILL, "bill_"), *_place(SHIP, "ship_"))
    .outerjoin(BILL, and_(BILL.order_id == Order.id, BILL.kind == "billing"))
    .outerjoin(SHIP, and_(SHIP.order_id == Order.id, SHIP.kind == "shipping"))
    .where(Order.store_id == STORE, Order.id.in_(_many("ids")))
)


@cache
def rank_statement(totals: int) -> Executable:
    """Return the count of the store's recent orders and of those below t0, t1, … totals."""
    # An index-only scan of ix_orders_store_id_total (store, id, total), not 5,000 heap rows.
    recent = (
        select(Order.total_price)
        .where(Order.store_id == STORE)
        .order_by(Order.id.desc())
        .limit(STORE_VALUES_WINDOW)
        .subquery()
    )
    below = [
        func.sum(case((recent.c.total_price < bindparam(f"t{i}"), 1), else_=0))
        for i in range(totals)
    ]
    return select(func.count(), *below).select_from(recent)


# An order's past: the same customer's (by id or e-mail) kept orders, with where they shipped.
# E-mails are bound as sent and lower-cased, so ix_orders_store_email serves the look-up.
_PAST = (
    select(literal("past").label("kind"), Order.id, Order.customer_id, Order.email)
    .add_columns(Order.total_price, Order.placed_at, null().label("client_ip"))
    .add_columns(null().label("payment_card"), null().label("payment_failures"))
    .add_columns(null().label("financial_status"), SHIP.name, SHIP.address1, SHIP.province)
    .add_columns(SHIP.zip, SHIP.country_code, null().label("phone"))
    .outerjoin(SHIP, and_(SHIP.order_id == Order.id, SHIP.kind == "shipping"))
    .where(Order.store_id == STORE, Order.cancelled_at.is_(None))
    .where(or_(Order.customer_id.in_(_many("customers")), Order.email.in_(_many("emails"))))
    .where(or_(Order.payment_failures.is_(None), Order.financial_status.in_(PAID)))
)

# The store's order ids sharing an e-mail, IP, card or billing phone in the time window: one
# indexed look-up per key (a scan of the day's orders costs more).
_MATCHING = union(
    select(Order.id.label("id"))
    .where(Order.store_id == STORE, Order.email.in_(_many("near_emails")))
    .where(Order.placed_at.between(SINCE, UNTIL)),
    select(Order.id.label("id"))
    .where(Order.store_id == STORE, Order.client_ip.in_(_many("ips")))
    .where(Order.placed_at.between(SINCE, UNTIL)),
    select(Order.id.label("id"))
    .where(Order.store_id == STORE, Order.payment_card.in_(_many("cards")))
    .where(Order.placed_at.between(SINCE, UNTIL)),
    select(Address.order_id.label("id")).where(
        Address.store_id == STORE, Address.kind == "billing", Address.phone.in_(_many("phones"))
    ),
).subquery()

# Orders placed shortly before (velocity, failed attempts), with the billing phone.
_NEARBY = (
    select(literal("near").label("kind"), Order.id, null().label("customer_id"), Order.email)
    .add_columns(null().label("total_price"), Order.placed_at, Order.client_ip)
    .add_columns(Order.payment_card, Order.payment_failures, Order.financial_status)
    .add_columns(null().label("name"), null().label("address1"), null().label("province"))
    .add_columns(null().label("zip"), null().label("country_code"), BILL.phone)
    .outerjoin(BILL, and_(BILL.order_id == Order.id, BILL.kind == "billing"))
    .where(Order.store_id == STORE, Order.placed_at.between(SINCE, UNTIL))
    .where(Order.id.in_(select(_MATCHING.c.id)))
)

# Both in one round trip; rows tell which they are by `kind` ("past" or "near").
PAST_AND_NEARBY = union_all(_PAST, _NEARBY)
