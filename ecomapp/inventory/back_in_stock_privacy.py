"""Erasure: a person's back-in-stock requests and push subscriptions are deleted, not blanked."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, update

from ecomapp.extensions import db
from ecomapp.models import BackInStockRequest, PushMessage, PushSubscription


def forget_person(
    store_id: int, customer_ids: list[int], platform_ids: list[str], emails: list[str]
) -> int:
    """Delete the person's requests and subscriptions (copies of their data); return how many."""
    requests = [BackInStockRequest.customer_id.in_(customer_ids)]
    requests += [func.lower(BackInStockRequest.email).in_(emails)] if emails else []
    subs = [PushSubscription.customer_id.in_(customer_ids)]
    subs += [PushSubscription.platform_customer_id.in_(platform_ids)] if platform_ids else []
    mine = delete(BackInStockRequest).where(BackInStockRequest.store_id == store_id, or_(*requests))
    gone = db.session.execute(mine).rowcount  # type: ignore[attr-defined]
    db.session.execute(  # sent pushes stay for counts, without their words
        update(PushMessage)
        .where(PushMessage.store_id == store_id, PushMessage.customer_id.in_(customer_ids))
        .values(title="", body="", url="")
    )
    theirs = delete(PushSubscription).where(PushSubscription.store_id == store_id, or_(*subs))
    gone += db.session.execute(theirs).rowcount  # type: ignore[attr-defined]
    return int(gone or 0)
