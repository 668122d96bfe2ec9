"""Checked before every send: suppression, consent, frequency cap and quiet hours.

A batch checks suppression and consent for all its messages in one or two statements
(`batch_refusals`) and the cap of the messages it claimed in one (`recent_marketing`, then
`cap_until_among` for each): of two marketing mails to one recipient claimed at once, the one
claimed earlier (then the lower id) goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select

from ecomapp.extensions import db
from ecomapp.mail.reminder_policy import needs_consent, offers_opt_out
from ecomapp.mail.sql import one_of
from ecomapp.models import (
    Customer,
    Message,
    MessageKind,
    MessageStatus,
    Store,
    Suppression,
    SuppressionReason,
)
from ecomapp.models.types import as_utc, utcnow


def suppression_reason(store: Store, email: str, kind: str) -> str | None:
    """Return why this address gets no mail of this kind, or None."""
    reasons = set(
        db.session.scalars(
            select(Suppression.reason).where(
                Suppression.store_id == store.id, Suppression.email == email.strip().lower()
            )
        )
    )
    return _suppression_text(reasons, kind)


def _suppression_text(reasons: set[str], kind: str) -> str | None:
    blocking = reasons - {SuppressionReason.UNSUBSCRIBE.value}
    if blocking:
        return f"address suppressed ({', '.join(sorted(blocking))})"
    if offers_opt_out(kind) and reasons:
        return "unsubscribed from marketing"
    return None


def consent_reason(store: Store, email: str, customer_id: int | None) -> str | None:
    """Return why marketing may not go to this recipient, or None when they consented."""
    stmt = select(Customer).where(Customer.store_id == store.id)
    if customer_id is not None:
        stmt = stmt.where(Customer.id == customer_id)
    else:
        stmt = stmt.where(func.lower(Customer.email) == email.strip().lower())
    customer = db.session.scalars(stmt.limit(1)).first()
    if customer is None or not customer.accepts_marketing:
        return "no marketing consent"
    return None


def frequency_cap_until(store: Store, message: Message, hours: int) -> datetime | None:
    """Return when the cap allows this marketing message, or None when it may go now."""
    recent = recent_marketing(store, [message], hours, utcnow())
    return cap_until_among(message, recent, hours)


def _zone(store: Store) -> ZoneInfo:
    try:
        return ZoneInfo(store.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_hours_end(store: Store, at: datetime, start: int | None, end: int | None) -> datetime:
    """Return `at` if outside quiet hours in the store's zone, else when they end."""
    if start is None or end is None or start == end:
        return at
    zone = _zone(store)
    local = at.astimezone(zone)
    hour = local.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return at
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=zone).astimezone(at.tzinfo)


def batch_refusals(store: Store, messages: Sequence[Message]) -> dict[int, str]:
    """Suppression and consent for a batch in at most two statements: id → why it may not go
    (the rules of `check` for each message)."""
    emails = {m.to_email.strip().lower() for m in messages}
    listed: dict[str, set[str]] = {}
    for email, reason in db.session.execute(
        select(Suppression.email, Suppression.reason).where(
            Suppression.store_id == store.id, one_of(Suppression.email, emails)
        )
    ):
        listed.setdefault(email, set()).add(reason)
    refused: dict[int, str] = {}
    for m in messages:
        why = _suppression_text(listed.get(m.to_email.strip().lower(), set()), m.kind)
        if why:
            refused[m.id] = why
    asking = [
        m for m in messages
        if m.id not in refused and offers_opt_out(m.kind) and needs_consent(store, m.kind)
    ]  # fmt: skip
    consented = _consents(store, asking)
    for m in asking:
        if not consented.get(m.customer_id or m.to_email.strip().lower(), False):
            refused[m.id] = "no marketing consent"
    return refused


def _consents(store: Store, messages: Sequence[Message]) -> dict[int | str, bool]:
    """Return each recipient's marketing consent, by customer id, or by address without one."""
    ids = {m.customer_id for m in messages if m.customer_id is not None}
    emails = {m.to_email.strip().lower() for m in messages if m.customer_id is None}
    if not (ids or emails):
        return {}
    email = func.lower(Customer.email)
    rows = db.session.execute(
        select(Customer.id, email, Customer.accepts_marketing)
        .where(Customer.store_id == store.id, or_(one_of(Customer.id, ids), one_of(email, emails)))
        .order_by(Customer.id)
    ).all()
    found: dict[int | str, bool] = {}
    for cid, address, accepts in rows:
        found[cid] = bool(accepts)
        if address in emails:
            found.setdefault(address, bool(accepts))  # like consent_reason: the first customer
    return found


@dataclass(frozen=True)
class Recent:
    """A marketing message that may count against the frequency cap of a batch's recipients."""

    id: int
    email: str
    customer_id: int | None
    status: str
    sending_at: datetime | None
    at: datetime


def recent_marketing(
    store: Store, messages: Sequence[Message], hours: int, now: datetime
) -> list[Recent]:
    """Return, in one statement, the marketing messages sent, uncertain or sending to the
    batch's marketing recipients within the last `hours` (none to read when the cap is off)."""
    capped = [m for m in messages if m.kind == MessageKind.MARKETING.value]
    if hours <= 0 or not capped:
        return []
    emails = {m.to_email.lower() for m in capped}
    ids = {m.customer_id for m in capped if m.customer_id}
    at = func.coalesce(Message.sent_at, Message.sending_at)
    open_or_done = (
        MessageStatus.SENT.value, MessageStatus.UNCERTAIN.value, MessageStatus.SENDING.value
    )  # fmt: skip
    rows = db.session.execute(
        select(
            Message.id, func.lower(Message.to_email), Message.customer_id, Message.status,
            Message.sending_at, at,
        ).where(
            Message.store_id == store.id,
            Message.kind == MessageKind.MARKETING.value,
            Message.status.in_(open_or_done),
            at > now - timedelta(hours=hours),
            or_(one_of(func.lower(Message.to_email), emails), one_of(Message.customer_id, ids)),
        )
    ).all()  # fmt: skip
    return [Recent(r[0], r[1], r[2], r[3], as_utc(r[4]), as_utc(r[5]) or now) for r in rows]


def cap_until_among(message: Message, recent: Sequence[Recent], hours: int) -> datetime | None:
    """Return when the cap allows this marketing message, over `recent`: sent and uncertain
    messages count, and sending ones claimed before it (earlier `sending_at`, then lower id)."""
    if hours <= 0 or message.kind != MessageKind.MARKETING.value:
        return None
    mine = (as_utc(message.sending_at), message.id)
    email = message.to_email.lower()
    last = None
    for other in recent:
        if other.id == message.id:
            continue
        if other.email != email and not (
            message.customer_id and other.customer_id == message.customer_id
        ):
            continue
        if other.status == MessageStatus.SENDING.value and _claimed_later(other, mine):
            continue
        last = other.at if last is None else max(last, other.at)
    return None if last is None else last + timedelta(hours=hours)


def _claimed_later(other: Recent, mine: tuple[datetime | None, int]) -> bool:
    """Whether a sending message was claimed after (or with a higher id than) this one."""
    if mine[0] is None:
        return False
    return other.sending_at is None or (other.sending_at, other.id) >= (mine[0], mine[1])
