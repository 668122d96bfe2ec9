"""The delivery job: checks, claim, hand-over, mark; a crash in between never sends twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ecomapp.extensions import affected, db
from ecomapp.jobs import PermanentError, TransientError, enqueue_at
from ecomapp.jobs.retry import MAX_ATTEMPTS, is_transient
from ecomapp.mail import policy
from ecomapp.mail.api import is_recorded_only, prepare, request_of
from ecomapp.mail.backends import DeliveryUnknown, MailBackend, RecipientRejected
from ecomapp.mail.compose import outgoing
from ecomapp.mail.effective_settings import EffectiveSettings, backend_for, effective_settings
from ecomapp.mail.suppressions import suppress
from ecomapp.models import Message, MessageStatus, Store, SuppressionReason, utcnow
from ecomapp.models.types import as_utc

log = logging.getLogger(__name__)
OPEN_STATUSES = (MessageStatus.PENDING.value, MessageStatus.SENDING.value)


def deliver_message(message_id: int, known: dict[int, EffectiveSettings] | None = None) -> None:
    """Deliver one message at most once: check the rules, claim it, send, mark it (known: the
    mail settings of stores already looked up by this job)."""
    message = db.session.get(Message, message_id)
    if message is None or message.status not in OPEN_STATUSES:
        return
    if message.campaign_send_id is not None:  # ecomapp/campaigns/sending.py sends these
        return
    store = db.session.get(Store, message.store_id)
    if store is None or not store.is_active:
        return
    if is_recorded_only(message):  # its batch's rendering job was lost: render it here
        if not prepare(store, message, request_of(message)):
            db.session.commit()
            return
        db.session.commit()
    known = {} if known is None else known
    if store.id not in known:
        known[store.id] = effective_settings(store)
    settings = known[store.id]
    resending = message.status == MessageStatus.SENDING.value
    if resending and not _resolve_interrupted(message, settings):
        return
    decision = policy.check(store, message, settings, utcnow())
    if decision.suppress:
        _finish(message, MessageStatus.SUPPRESSED, decision.suppress)
        return
    if decision.delay_until is not None:
        _delay(message, decision.delay_until, decision.reason or "delayed")
        return
    if _claim(message.id):
        db.session.refresh(message)
        if not _lost_cap_race(store, message, settings):
            _hand_over(store, message, settings)


def deliver_batch(message_ids: list[int]) -> None:
    """Deliver several messages in one job, reusing the backend's connection and each store's
    mail settings."""
    known: dict[int, EffectiveSettings] = {}
    for message_id in message_ids:
        deliver_message(message_id, known)


def _claim(message_id: int) -> bool:
    """Mark the row `sending` (committed) before anything leaves; False if taken."""
    result = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.PENDING.value)
        .values(
            status=MessageStatus.SENDING.value,
            sending_at=utcnow(),
            attempts=Message.attempts + 1,
            scheduled_for=None,
        )
    )
    db.session.commit()
    return affected(result) == 1


def _lost_cap_race(store: Store, message: Message, settings: EffectiveSettings) -> bool:
    """Release the claim (nothing was sent) when a marketing mail claimed earlier wins the cap."""
    until = policy.frequency_cap_until(store, message, settings.frequency_cap_hours)
    if until is None or until <= utcnow():
        return False
    message.status, message.sending_at = MessageStatus.PENDING.value, None
    message.attempts -= 1
    _delay(message, until, "delayed by frequency cap")
    return True


def _hand_over(store: Store, message: Message, settings: EffectiveSettings) -> None:
    try:
        backend = backend_for(settings)
        out = outgoing(message, settings)
    except ValueError as exc:
        _finish(message, MessageStatus.FAILED, str(exc))
        return
    message.backend = backend.name
    try:
        provider_id = backend.send(out)
    except DeliveryUnknown as exc:
        _interrupted(message, str(exc))
    except RecipientRejected as exc:
        suppress(store, message.to_email, SuppressionReason.HARD_BOUNCE, message.id, str(exc))
        message.bounced_at = utcnow()
        _finish(message, MessageStatus.FAILED, str(exc))
    except PermanentError as exc:
        _finish(message, MessageStatus.FAILED, str(exc))
    except Exception as exc:
        if not is_transient(exc):
            _finish(message, MessageStatus.UNCERTAIN, f"unexpected error while sending: {exc}")
            raise
        _back_to_pending(message, exc)
    else:
        message.provider_id = provider_id
        message.sent_at = utcnow()
        _finish(message, MessageStatus.SENT, None)


def _back_to_pending(message: Message, exc: Exception) -> None:
    """Nothing left: give up after the last attempt, else retry with backoff."""
    if message.attempts >= MAX_ATTEMPTS:
        _finish(message, MessageStatus.FAILED, f"gave up after {message.attempts} tries: {exc}")
        return
    message.status = MessageStatus.PENDING.value
    message.error = f"try {message.attempts} failed: {exc}"
    db.session.commit()
    raise TransientError(str(exc), retry_after=getattr(exc, "retry_after", None)) from exc


def _interrupted(message: Message, error: str) -> None:
    """Keep the row `sending` and look again after the send timeout."""
    message.error = f"interrupted: {error}"
    db.session.commit()
    raise TransientError(error, retry_after=_send_timeout().total_seconds() + 1)


def _send_timeout() -> timedelta:
    return timedelta(seconds=current_app.config["SETTINGS"].mail_send_timeout)


def _resolve_interrupted(message: Message, settings: EffectiveSettings) -> bool:
    """Decide what a `sending` row left by a crash means; True when it may be sent (again)."""
    age = utcnow() - (as_utc(message.sending_at) or utcnow())
    if age < _send_timeout():
        wait = (_send_timeout() - age).total_seconds() + 1
        raise TransientError("another worker may be sending this message", retry_after=wait)
    backend: MailBackend = backend_for(settings)
    known = backend.was_sent(outgoing(message, settings))
    if known is True:
        message.sent_at = message.sent_at or utcnow()
        _finish(message, MessageStatus.SENT, "confirmed by the provider after an interruption")
        return False
    if known is False and message.attempts < MAX_ATTEMPTS:
        message.status = MessageStatus.PENDING.value
        message.error = "interrupted before the provider got it; sending again"
        db.session.commit()
        return True
    _finish(
        message,
        MessageStatus.UNCERTAIN,
        "interrupted while sending: it may have been delivered, so it was not sent again",
    )
    return False


def _delay(message: Message, until: datetime, reason: str) -> None:
    message.scheduled_for = until
    message.delay_reason = f"{reason} until {until:%Y-%m-%d %H:%M} UTC"
    key = f"mail-deliver:{message.id}:{int(until.timestamp())}"
    try:
        with db.session.begin_nested():
            enqueue_at(
                until, deliver_message, message.id, store_id=message.store_id, dedupe_key=key
            )
    except IntegrityError:
        pass  # this delay is already scheduled
    db.session.commit()


def _finish(message: Message, status: MessageStatus, error: str | None) -> None:
    message.status = status.value
    message.error = error
    db.session.commit()
