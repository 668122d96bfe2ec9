"""The suppression list: unsubscribes, hard bounces and complaints, one row per reason."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ecomapp.extensions import db
from ecomapp.models import Store, Suppression, SuppressionReason


def suppress(
    store: Store,
    email: str,
    reason: SuppressionReason,
    message_id: int | None = None,
    detail: str | None = None,
) -> bool:
    """Add an address to the store's suppression list; return False if it was already there."""
    address = email.strip().lower()
    exists = db.session.scalar(
        select(Suppression.id).where(
            Suppression.store_id == store.id,
            Suppression.email == address,
            Suppression.reason == reason.value,
        )
    )
    if exists:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                Suppression(
                    store_id=store.id,
                    email=address,
                    reason=reason.value,
                    message_id=message_id,
                    detail=detail,
                )
            )
    except IntegrityError:
        return False
    return True


def lift(store: Store, email: str, reason: SuppressionReason) -> int:
    """Remove one reason for an address from the store's list; return rows removed."""
    rows = db.session.scalars(
        select(Suppression).where(
            Suppression.store_id == store.id,
            Suppression.email == email.strip().lower(),
            Suppression.reason == reason.value,
        )
    ).all()
    for row in rows:
        db.session.delete(row)
    return len(rows)
