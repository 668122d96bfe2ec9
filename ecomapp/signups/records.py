"""Record a storefront signup (pending, one confirm mail) and confirm it from its link."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ecomapp.events.bus import emit
from ecomapp.extensions import db
from ecomapp.jobs import enqueue_after_commit
from ecomapp.mail.api import MailRequest, send_email
from ecomapp.mail.consent_records import ConsentAnswer, record_consent
from ecomapp.models import Customer, Signup, SignupStatus, Store
from ecomapp.models.types import as_utc, utcnow
from ecomapp.signups.links import confirm_url, read_token

LINK_LIFETIME = timedelta(hours=72)
TEMPLATE = "signup_confirm"
CONSENT_SOURCE = "signup_form"
PUSH = "ecomapp.signups.platform:push_signup"


@dataclass(frozen=True)
class SignupForm:
    """What a shopper typed into a signup form (validated by the route)."""

    email: str
    name: str
    phone: str
    interests: list[str]
    consent_text: str
    source: str


class Confirmation(StrEnum):
    """What opening a confirm link did."""

    CONFIRMED = "confirmed"
    ALREADY = "already"
    EXPIRED = "expired"
    INVALID = "invalid"


def _find(store_id: int, email: str) -> Signup | None:
    return db.session.scalar(
        select(Signup).where(Signup.store_id == store_id, Signup.email == email)
    )


def submit(store: Store, form: SignupForm) -> tuple[Signup, bool]:
    """Record a signup and mail its confirm link; a repeat changes nothing (False).

    A pending signup whose link has expired gets a fresh link (True), so a shopper who lost
    the first mail can ask again.
    """
    row = _find(store.id, form.email)
    if row is None:
        row = _insert(store, form)
        if row is not None:
            _send_link(store, row)
            return row, True
        row = _find(store.id, form.email)
        assert row is not None
    if row.status == SignupStatus.SUBSCRIBED.value or _link_live(row):
        return row, False
    _send_link(store, row)
    return row, True


def _insert(store: Store, form: SignupForm) -> Signup | None:
    row = Signup(
        store_id=store.id,
        email=form.email,
        name=form.name,
        phone=form.phone,
        interests=form.interests,
        source=form.source,
        consent_text=form.consent_text,
        status=SignupStatus.PENDING.value,
        link_expires_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same address posted twice at once: the other one won
        return None
    return row


def _link_live(row: Signup) -> bool:
    return bool(row.nonce) and as_utc(row.link_expires_at) > utcnow()


def _send_link(store: Store, row: Signup) -> None:
    row.nonce = secrets.token_urlsafe(24)
    row.link_expires_at = utcnow() + LINK_LIFETIME
    db.session.flush()
    context = {
        "confirm_url": confirm_url(row.id, row.nonce),
        "signup": {"name": row.name, "email": row.email},
        "link_hours": int(LINK_LIFETIME.total_seconds() // 3600),
    }
    send_email(
        store,
        MailRequest(
            to=row.email,
            template_key=TEMPLATE,
            idempotency_key=f"signup-confirm:{row.id}:{row.nonce}",
            context=context,
        ),
    )


def pending_for(token: str) -> tuple[Confirmation, Signup | None]:
    """Return what confirming this token would do, without doing it (the landing page)."""
    found = read_token(token)
    row = db.session.get(Signup, found[0]) if found else None
    if found is None or row is None:
        return Confirmation.INVALID, None
    return _state(row, found[1]), row


def _state(row: Signup, nonce: str) -> Confirmation:
    if row.status == SignupStatus.SUBSCRIBED.value:
        return Confirmation.ALREADY
    if not row.nonce or not secrets.compare_digest(row.nonce, nonce):
        return Confirmation.INVALID  # replaced by a newer link
    if as_utc(row.link_expires_at) <= utcnow():
        return Confirmation.EXPIRED
    return Confirmation.CONFIRMED


def confirm(token: str) -> tuple[Confirmation, Signup | None]:
    """Subscribe the signup of a live link once: consent kept, event emitted, platform told."""
    found = read_token(token)
    if found is None:
        return Confirmation.INVALID, None
    row = db.session.get(Signup, found[0], with_for_update=True)
    if row is None:
        return Confirmation.INVALID, None
    state = _state(row, found[1])
    if state is Confirmation.CONFIRMED:
        _subscribe(row)
    return state, row


def _subscribe(row: Signup) -> None:
    store = db.session.get(Store, row.store_id)
    assert store is not None
    now = utcnow()
    row.status, row.nonce, row.confirmed_at = SignupStatus.SUBSCRIBED.value, None, now
    customer = db.session.scalars(
        select(Customer)
        .where(Customer.store_id == store.id, func.lower(Customer.email) == row.email)
        .limit(1)
    ).first()
    row.customer_id = customer.id if customer is not None else None
    answer = ConsentAnswer(True, row.consent_text, CONSENT_SOURCE, now)
    record_consent(store, row.email, row.customer_id, answer)
    data = event_data(row)
    emit(store.id, "customer.subscribed", "signup", row.id, data, f"signup:{row.id}", now)
    enqueue_after_commit(PUSH, row.id, store_id=store.id)


def event_data(row: Signup) -> dict[str, object]:
    """Return the facts a customer.subscribed event carries."""
    return {
        "email": row.email,
        "name": row.name,
        "phone": row.phone,
        "interests": list(row.interests or []),
        "source": row.source,
        "customer_id": row.customer_id,
    }
