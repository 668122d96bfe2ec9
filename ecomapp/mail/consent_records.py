"""Marketing consent given on a store: kept with its wording and source, applied to the mirror."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ecomapp.events.bus import emit
from ecomapp.extensions import db
from ecomapp.mail.suppressions import lift
from ecomapp.mirror.customers import customer_facts
from ecomapp.mirror.freshness import stamp
from ecomapp.models import ConsentRecord, Customer, Store, Suppression, SuppressionReason
from ecomapp.models.types import as_utc


@dataclass(frozen=True)
class ConsentAnswer:
    """A shopper's answer to a consent checkbox: yes or no, the text shown, where, when."""

    granted: bool
    wording: str
    source: str
    given_at: datetime


def record_consent(
    store: Store, email: str, customer_id: int | None, answer: ConsentAnswer
) -> ConsentRecord | None:
    """Keep a new answer (the same one repeated is kept once) and apply it to the customer.

    An answer older than the customer's last marketing change does not override it; a yes
    given after an unsubscribe lifts the unsubscribe.
    """
    email = email.strip().lower()
    last = db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.store_id == store.id, ConsentRecord.email == email)
        .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())
        .limit(1)
    ).first()
    same = (answer.granted, answer.wording, answer.source)
    if last is not None and (last.granted, last.wording, last.source) == same:
        return None
    row = ConsentRecord(
        store_id=store.id,
        customer_id=customer_id,
        email=email,
        granted=answer.granted,
        wording=answer.wording,
        source=answer.source,
        given_at=answer.given_at,
    )
    db.session.add(row)
    _apply(store, email, customer_id, answer)
    if answer.granted:
        _lift_older_unsubscribe(store, email, answer.given_at)
    db.session.flush()
    return row


def _lift_older_unsubscribe(store: Store, email: str, given_at: datetime) -> None:
    """Opting in again at checkout after an unsubscribe lifts that unsubscribe."""
    unsubscribed = db.session.scalar(
        select(func.max(Suppression.created_at)).where(
            Suppression.store_id == store.id,
            Suppression.email == email,
            Suppression.reason == SuppressionReason.UNSUBSCRIBE.value,
        )
    )
    if unsubscribed is not None and as_utc(unsubscribed) < as_utc(given_at):
        lift(store, email, SuppressionReason.UNSUBSCRIBE)


def _apply(store: Store, email: str, customer_id: int | None, answer: ConsentAnswer) -> None:
    match = func.lower(Customer.email) == email
    if customer_id is not None:
        match = match | (Customer.id == customer_id)
    for customer in db.session.scalars(
        select(Customer).where(Customer.store_id == store.id, match)
    ):
        changed = as_utc(customer.marketing_updated_at)
        if changed is not None and changed > as_utc(answer.given_at):
            continue
        if customer.accepts_marketing != answer.granted:
            _emit_change(store, customer, answer)
        customer.accepts_marketing = answer.granted
        customer.marketing_updated_at = answer.given_at


def _emit_change(store: Store, customer: Customer, answer: ConsentAnswer) -> None:
    """Emit customer.consent_changed, as a platform's consent update does."""
    data = customer_facts(customer) | {
        "accepts_marketing": answer.granted,
        "previous": customer.accepts_marketing,
        "source": answer.source,
    }
    key = f"customer.consent:{customer.platform_id}:{stamp(answer.given_at)}"
    emit(store.id, "customer.consent_changed", "customer", customer.id, data, key, answer.given_at)
