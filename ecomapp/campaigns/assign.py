"""Set-based: which version each recipient gets, and which policy rule skips them, in SQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
)

from ecomapp.campaigns.audience import audience_condition, base_condition
from ecomapp.mail.effective_settings import EffectiveSettings
from ecomapp.models import (
    CampaignVersion,
    Customer,
    Message,
    MessageKind,
    MessageStatus,
    Suppression,
    SuppressionReason,
)

SUPPRESSED = "address suppressed"
UNSUBSCRIBED = "unsubscribed from marketing"
NO_CONSENT = "no marketing consent"
CAPPED = "frequency cap"
REASONS = (SUPPRESSED, UNSUBSCRIBED, NO_CONSENT, CAPPED)


def ordered(versions: list[CampaignVersion]) -> list[CampaignVersion]:
    """Return versions in priority order, the fallback last."""
    return sorted(versions, key=lambda v: (v.is_fallback, v.position, v.id))


def version_case(store_id: int, versions: list[CampaignVersion]) -> ColumnElement[Any]:
    """Return the id of the first version whose audience holds the customer (else fallback)."""
    ranked = ordered(versions)
    fallback = next((v.id for v in ranked if v.is_fallback), None)
    whens = [(audience_condition(store_id, v.audience), v.id) for v in ranked if not v.is_fallback]
    if not whens:
        return literal(fallback) if fallback is not None else null()
    return case(*whens, else_=literal(fallback) if fallback is not None else null())


def subject_case(
    version: ColumnElement[Any],
    versions: list[CampaignVersion],
    phase: str,
    winners: dict[str, str],
) -> Any:
    """Return the subject template for the chosen version id: A or B by customer id in an
    A/B test's sample, the winner after it, else the version's subject."""
    chosen = {v.id: winners.get(str(v.id), v.subject) for v in versions}
    if phase != "test":
        return case(chosen, value=version, else_="")
    subject_b = {v.id: v.subject_b or v.subject for v in versions}
    return case(
        (Customer.id % 2 == 1, case(subject_b, value=version, else_="")),
        else_=case(chosen, value=version, else_=""),
    )


def phase_condition(phase: str, percent: int) -> ColumnElement[bool]:
    """Return which customers a send phase covers: the A/B sample, the rest, or everyone."""
    spread = (Customer.id * 61) % 100  # a deterministic share that does not follow id order
    if phase == "test":
        return spread < percent
    if phase == "rest":
        return spread >= percent
    return true()


def _suppressed(store_id: int, reasons: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        Suppression.store_id == store_id,
        Suppression.email == func.lower(func.trim(Customer.email)),
        reasons,
    )


def _capped(store_id: int, send_id: int, since: datetime) -> ColumnElement[bool]:
    counted = (MessageStatus.SENT.value, MessageStatus.SENDING.value, MessageStatus.UNCERTAIN.value)
    return exists().where(
        Message.store_id == store_id,
        Message.customer_id == Customer.id,
        Message.kind == MessageKind.MARKETING.value,
        Message.status.in_(counted),
        or_(Message.campaign_send_id.is_(None), Message.campaign_send_id != send_id),
        func.coalesce(Message.sent_at, Message.sending_at) > since,
    )


def skip_reason(
    store_id: int, send_id: int, settings: EffectiveSettings, now: datetime
) -> ColumnElement[Any]:
    """Return why a customer gets no mail from this send (NULL when they may get it)."""
    unsub = Suppression.reason == SuppressionReason.UNSUBSCRIBE.value
    whens: list[tuple[ColumnElement[bool], str]] = [
        (_suppressed(store_id, ~unsub), SUPPRESSED),
        (_suppressed(store_id, unsub), UNSUBSCRIBED),
        (Customer.accepts_marketing.is_not(True), NO_CONSENT),
    ]
    if settings.frequency_cap_hours > 0:
        since = now - timedelta(hours=settings.frequency_cap_hours)
        whens.append((_capped(store_id, send_id, since), CAPPED))
    return case(*whens, else_=null())


def batch_rows(
    store_id: int,
    send_id: int,
    versions: list[CampaignVersion],
    settings: EffectiveSettings,
    now: datetime,
    id_range: tuple[int, int],
    ab: tuple[str, int, dict[str, str]] = ("all", 0, {}),
) -> Any:
    """Return the SELECT of one batch's message rows (customers with ids in the range), the
    ones to mail already claimed (`sending` since now, first attempt); ab is the send's phase,
    the campaign's sample percent and the winning subjects."""
    version = version_case(store_id, versions)
    reason = skip_reason(store_id, send_id, settings, now)
    ready = reason.is_(None)
    status = case((ready, MessageStatus.SENDING.value), else_="suppressed")
    key = literal(f"campaign:{send_id}:") + cast(Customer.id, String)
    return select(
        literal(store_id),
        key,
        literal(MessageKind.MARKETING.value),
        literal("campaign"),
        func.trim(Customer.email),
        Customer.id,
        subject_case(version, versions, ab[0], ab[2]),
        literal(""),
        literal(""),
        literal({}, Message.context.type),
        status,
        literal(""),
        reason,
        literal(now, Message.created_at.type),
        case((ready, 1), else_=0),
        case((ready, literal(now, Message.sending_at.type)), else_=null()),
        literal(send_id),
        version,
    ).where(
        and_(base_condition(store_id), Customer.id > id_range[0], Customer.id <= id_range[1]),
        version.is_not(None),
        phase_condition(ab[0], ab[1]),
    )


COLUMNS = (
    "store_id",
    "idempotency_key",
    "kind",
    "template_key",
    "to_email",
    "customer_id",
    "subject",
    "html",
    "text",
    "context",
    "status",
    "backend",
    "error",
    "created_at",
    "attempts",
    "sending_at",
    "campaign_send_id",
    "campaign_version_id",
)


def assigned_version(store_id: int, versions: list[CampaignVersion]) -> Any:
    """Return a SELECT of (customer id, version id) over the whole audience (for previews)."""
    return select(Customer.id, version_case(store_id, versions).label("version_id")).where(
        base_condition(store_id)
    )
