"""Checked before every send: suppression, consent, frequency cap and quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, func, or_, select

from ecomapp.extensions import db
from ecomapp.mail.effective_settings import EffectiveSettings
from ecomapp.mail.reminder_policy import needs_consent, offers_opt_out
from ecomapp.models import (
    Customer,
    Message,
    MessageKind,
    MessageStatus,
    Store,
    Suppression,
    SuppressionReason,
)
from ecomapp.models.types import as_utc


@dataclass(frozen=True)
class Decision:
    """Send now, never (suppress with a reason) or later (delay until, with a reason)."""

    suppress: str | None = None
    delay_until: datetime | None = None
    reason: str | None = None


def suppression_reason(store: Store, email: str, kind: str) -> str | None:
    """Return why this address gets no mail of this kind, or None."""
    reasons = set(
        db.session.scalars(
            select(Suppression.reason).where(
                Suppression.store_id == store.id, Suppression.email == email.strip().lower()
            )
        )
    )
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


def _counted(message: Message) -> ColumnElement[bool]:
    """Which other messages count against the cap: sent ones, and sending ones claimed first.

    Checked again after this message is claimed, so of two claimed at once only the one
    claimed earlier (then lower id) goes; the other waits.
    """
    done = Message.status.in_((MessageStatus.SENT.value, MessageStatus.UNCERTAIN.value))
    sending = Message.status == MessageStatus.SENDING.value
    if message.status == MessageStatus.SENDING.value and message.sending_at is not None:
        mine = message.sending_at
        earlier = (Message.sending_at < mine) | (
            (Message.sending_at == mine) & (Message.id < message.id)
        )
        sending = sending & earlier
    return or_(done, sending)


def frequency_cap_until(store: Store, message: Message, hours: int) -> datetime | None:
    """Return when the cap allows this marketing message, or None when it may go now."""
    if hours <= 0 or message.kind != MessageKind.MARKETING.value:
        return None
    recipient = func.lower(Message.to_email) == message.to_email.lower()
    if message.customer_id:
        recipient = or_(recipient, Message.customer_id == message.customer_id)
    last = db.session.scalar(
        select(func.max(func.coalesce(Message.sent_at, Message.sending_at))).where(
            Message.store_id == store.id,
            Message.id != message.id,
            Message.kind == MessageKind.MARKETING.value,
            _counted(message),
            recipient,
        )
    )
    if last is None:
        return None
    return as_utc(last) + timedelta(hours=hours)


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


def check(store: Store, message: Message, settings: EffectiveSettings, now: datetime) -> Decision:
    """Decide whether a message may go now."""
    reason = suppression_reason(store, message.to_email, message.kind)
    if reason:
        return Decision(suppress=reason)
    if not offers_opt_out(message.kind):
        return Decision()
    if needs_consent(store, message.kind):
        reason = consent_reason(store, message.to_email, message.customer_id)
        if reason:
            return Decision(suppress=reason)
    when = now
    cap = frequency_cap_until(store, message, settings.frequency_cap_hours)
    if cap is not None and cap > when:
        when = cap
    when = quiet_hours_end(store, when, settings.quiet_start_hour, settings.quiet_end_hour)
    if when <= now:
        return Decision()
    why = "frequency cap" if cap is not None and cap > now else "quiet hours"
    return Decision(delay_until=when, reason=f"delayed by {why}")
