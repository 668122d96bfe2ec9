"""Tell the store's platform about a confirmed subscriber (a job, once per signup)."""

from __future__ import annotations

from ecomapp.extensions import db
from ecomapp.jobs import PermanentError
from ecomapp.models import Customer, Signup, SignupStatus, Store
from ecomapp.models.types import as_utc, utcnow
from ecomapp.platforms.base import Subscriber, UnsupportedOperation


def subscriber_of(row: Signup) -> Subscriber:
    """Return the platform-neutral subscriber a confirmed signup stands for."""
    first, _, last = row.name.strip().partition(" ")
    customer = db.session.get(Customer, row.customer_id) if row.customer_id else None
    confirmed = as_utc(row.confirmed_at) or utcnow()
    return Subscriber(
        email=row.email,
        first_name=first,
        last_name=last.strip(),
        phone=row.phone,
        interests=list(row.interests or []),
        confirmed_at=confirmed,
        platform_customer_id=customer.platform_id if customer is not None else None,
    )


def push_signup(signup_id: int) -> None:
    """Job: create or update the subscriber on the platform; a refusal is permanent."""
    from ecomapp.platforms.registry import get_adapter

    row = db.session.get(Signup, signup_id)
    if row is None or row.status != SignupStatus.SUBSCRIBED.value or row.pushed_at:
        return
    store = db.session.get(Store, row.store_id)
    if store is None or not store.is_active:
        return
    try:
        platform_id = get_adapter(store.platform).subscribe(store, subscriber_of(row))
    except UnsupportedOperation as exc:
        raise PermanentError(str(exc)) from exc
    row.platform_customer_id = platform_id or None
    row.pushed_at = utcnow()
    db.session.commit()
