"""Erase one person from a store: mirror rows, events, runs, mail, exports and raw deliveries.

Every platform's erasure request ends here (Shopify customers/redact, WooCommerce
customer.deleted, the WordPress personal-data eraser through the companion plugin):

1. find the person's customer rows (by platform id and e-mail), orders and carts;
2. collect what identifies them (e-mail, phone, names, addresses) as needles;
3. blank the structured columns (customers, orders, addresses, carts, messages);
4. scrub every row known to be about them (events, runs, steps, effects, messages);
5. sweep every text and JSON column of every table of the store for the strong needles;
6. delete their raw inbox bodies, data exports and suppressions.

Customer and order rows stay, blanked, so that counts and revenue remain true.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from ecomapp.extensions import affected, db
from ecomapp.inventory.back_in_stock_privacy import forget_person
from ecomapp.models import (
    Cart,
    ConsentRecord,
    Customer,
    DataExport,
    EffectLedger,
    Event,
    InboxDelivery,
    Message,
    Order,
    Run,
    RunStep,
    Signup,
    Store,
    Suppression,
    TrackingEvent,
)
from ecomapp.models.types import utcnow
from ecomapp.privacy.needles import Needles, pattern
from ecomapp.privacy.sweep import rewrite_row, sweep_store, text_columns

log = logging.getLogger(__name__)

REDACTED = "redacted"
ADDRESS_FIELDS = ("name", "company", "address1", "address2", "city", "province", "zip", "phone")


@dataclass
class ErasureRequest:
    """Who to erase: platform customer ids, e-mails, order ids and any other known values."""

    customer_ids: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    # Byte strings that mark a raw delivery body as this person's (e.g. a customer GID).
    body_marks: list[bytes] = field(default_factory=list)


@dataclass
class Found:
    """The rows of the person and what identifies them."""

    customers: list[Customer]
    orders: list[Order]
    carts: list[Cart]
    needles: Needles


def erase_person(
    store: Store, request: ErasureRequest, keep_delivery: int | None
) -> dict[str, int]:
    """Erase a person from the store (see the module docstring); return counts per stage."""
    found = _find(store, request)
    token = f"[{REDACTED}-{uuid.uuid4().hex[:10]}]"
    dropped = _drop_copies(store, found, request)
    linked = _scrub_linked(store, found, token)
    _blank_mirror(found)
    db.session.flush()
    swept = sweep_store(store.id, found.needles, token)
    inbox = _drop_deliveries(store, found.needles, request.body_marks, keep_delivery)
    db.session.expire_all()
    counts = {"customers": len(found.customers), "orders": len(found.orders), "linked": linked}
    counts |= {"swept": swept, "inbox": inbox, "dropped": dropped}
    log.info("store %s: erased a person %s", store.id, counts)
    return counts


def _find(store: Store, request: ErasureRequest) -> Found:
    emails = {e.strip().lower() for e in request.emails if e and e.strip()}
    clauses = [Customer.platform_id.in_(request.customer_ids)] if request.customer_ids else []
    clauses += [func.lower(Customer.email).in_(emails)] if emails else []
    customers = _all(Customer, store, clauses)
    emails |= {c.email.lower() for c in customers if c.email}
    ids = [c.id for c in customers]
    order_clauses = [Order.customer_id.in_(ids)] if ids else []
    order_clauses += [func.lower(Order.email).in_(emails)] if emails else []
    order_clauses += [Order.platform_id.in_(request.order_ids)] if request.order_ids else []
    orders = _all(Order, store, order_clauses)
    cart_clauses = [Cart.customer_id.in_(ids)] if ids else []
    cart_clauses += [func.lower(Cart.email).in_(emails)] if emails else []
    carts = _all(Cart, store, cart_clauses)
    needles = _needles(customers, orders, carts, emails, request.phones)
    return Found(customers, orders, carts, needles)


def _all(model: Any, store: Store, clauses: list[Any]) -> list[Any]:
    if not clauses:
        return []
    stmt = select(model).where(model.store_id == store.id, or_(*clauses))
    return list(db.session.scalars(stmt))


def _needles(
    customers: list[Customer],
    orders: list[Order],
    carts: list[Cart],
    emails: set[str],
    phones: list[str],
) -> Needles:
    needles = Needles()
    needles.add_strong(*emails, *phones, *(c.email for c in carts))
    for c in customers:
        full = f"{c.first_name} {c.last_name}".strip()
        needles.add_strong(c.email, c.phone, full if " " in full else None)
        needles.add_weak(c.first_name, c.last_name, c.city, c.zip, c.company)
    for order in orders:
        needles.add_strong(order.email)
        for a in order.addresses:
            named = a.name if a.name and " " in a.name else None
            needles.add_strong(a.phone, a.address1, a.address2, named)
            needles.add_weak(a.name, *(a.name or "").split(), a.city, a.zip, a.company)
    return needles


def _scrub_linked(store: Store, found: Found, token: str) -> int:
    """Scrub every needle (weak ones too) from rows known to be about the person."""
    matcher = pattern(found.needles)
    if matcher is None:
        return 0
    customer_ids = [c.id for c in found.customers]
    order_ids = [o.id for o in found.orders]
    cart_ids = [c.id for c in found.carts]
    subjects = [
        (Event.subject_type == kind) & Event.subject_id.in_(ids)
        for kind, ids in (("customer", customer_ids), ("order", order_ids), ("cart", cart_ids))
        if ids
    ]
    runs = _ids(Run, store, [Run.customer_id.in_(customer_ids), Run.order_id.in_(order_ids)])
    events = _ids(Event, store, subjects)
    runs += _ids(Run, store, [Run.event_id.in_(events)] if events else [])
    messages = _ids(
        Message,
        store,
        [
            Message.customer_id.in_(customer_ids),
            Message.run_id.in_(runs),
            func.lower(Message.to_email).in_([n.lower() for n in found.needles.strong]),
        ],
    )
    linked = {
        Event: events,
        Run: runs,
        RunStep: _ids(RunStep, store, [RunStep.run_id.in_(runs)]),
        EffectLedger: _ids(EffectLedger, store, [EffectLedger.run_id.in_(runs)]),
        Message: messages,
        TrackingEvent: _ids(TrackingEvent, store, [TrackingEvent.message_id.in_(messages)]),
    }
    _blank_messages(messages, token)
    return sum(_rewrite(model, ids, matcher, token) for model, ids in linked.items())


def _ids(model: type, store: Store, clauses: list) -> list[int]:
    if not clauses:
        return []
    stmt = select(model.id).where(model.store_id == store.id, or_(*clauses))  # type: ignore[attr-defined]
    return sorted(set(db.session.scalars(stmt)))


def _rewrite(model: type, ids: list[int], matcher: re.Pattern[str], token: str) -> int:
    table = model.__table__  # type: ignore[attr-defined]
    columns = text_columns(table)
    changed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = db.session.execute(select(table.c.id, *columns).where(table.c.id.in_(chunk)))
        changed += sum(rewrite_row(table, r._mapping, matcher, token) for r in rows)
    return changed


def _blank_messages(message_ids: list[int], token: str) -> None:
    """Keep the person's messages for counts and the frequency cap, without their content."""
    if message_ids:
        db.session.execute(
            update(Message)
            .where(Message.id.in_(message_ids))
            .values(to_email=token, html="", text="", context={})
        )


def _blank_mirror(found: Found) -> None:
    now = utcnow()
    for customer in found.customers:
        customer.email = customer.phone = customer.company = None
        customer.city = customer.province = customer.zip = None
        customer.first_name, customer.last_name = "", REDACTED
        customer.accepts_marketing = False
        customer.redacted_at = now
    for order in found.orders:
        order.email, order.client_ip, order.note = None, None, None
        for address in order.addresses:
            for name in ADDRESS_FIELDS:
                setattr(address, name, None)
    for cart in found.carts:
        cart.email, cart.recovery_url = None, None


def _drop_deliveries(store: Store, needles: Needles, marks: list[bytes], keep: int | None) -> int:
    """Delete the raw webhook bodies that carry the person (they hold every fact as sent)."""
    forms = [*needles.byte_forms(), *(m.lower() for m in marks)]
    if not forms:
        return 0
    rows = db.session.execute(
        select(InboxDelivery.id, InboxDelivery.body)
        .where(InboxDelivery.store_id == store.id)
        .execution_options(yield_per=200)
    )
    doomed = [i for i, body in rows if i != keep and any(f in body.lower() for f in forms)]
    for start in range(0, len(doomed), 500):
        chunk = doomed[start : start + 500]
        db.session.execute(delete(InboxDelivery).where(InboxDelivery.id.in_(chunk)))
    return len(doomed)


def _drop_copies(store: Store, found: Found, request: ErasureRequest) -> int:
    """Delete the person's data exports, suppressions, consent records, back-in-stock requests
    and push rows."""
    pids = [c.platform_id for c in found.customers] + list(request.customer_ids)
    emails = [n.lower() for n in found.needles.strong if "@" in n]
    dropped = 0
    if pids:
        dropped += affected(
            db.session.execute(
                delete(DataExport).where(
                    DataExport.store_id == store.id, DataExport.customer_platform_id.in_(pids)
                )
            )
        )
    ids = [c.id for c in found.customers]
    dropped += forget_person(store.id, ids, [str(p) for p in pids], emails)
    if emails:
        dropped += affected(
            db.session.execute(
                delete(Suppression).where(
                    Suppression.store_id == store.id, func.lower(Suppression.email).in_(emails)
                )
            )
        )
        dropped += affected(
            db.session.execute(
                delete(ConsentRecord).where(
                    ConsentRecord.store_id == store.id, ConsentRecord.email.in_(emails)
                )
            )
        )
        dropped += affected(
            db.session.execute(
                delete(Signup).where(Signup.store_id == store.id, Signup.email.in_(emails))
            )
        )
    return int(dropped or 0)
