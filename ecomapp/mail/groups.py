"""Automation mail sent a claimed group at a time: one claim, one connection, one mark.

A group is claimed with one UPDATE (all rows share `sending_at`) after its in-flight marker
(`ecomapp/mail/inflight.py`, the campaigns' mechanism) says "nothing sent yet"; each message's
marker is written before its content leaves; the sent rows are marked with one UPDATE at the
end. A row that does not go (bounced, failed, retried, interrupted) is written at once, before
the marker moves on, so after a kill the rows still `sending` below the marker are exactly the
ones handed over.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import String, update

from ecomapp.extensions import db
from ecomapp.jobs import PermanentError, TransientError
from ecomapp.jobs.retry import MAX_ATTEMPTS, is_transient
from ecomapp.mail import inflight, policy
from ecomapp.mail.backends import DeliveryUnknown, MailBackend, RecipientRejected
from ecomapp.mail.compose import outgoing
from ecomapp.mail.effective_settings import EffectiveSettings
from ecomapp.mail.sql import one_of, update_by_id
from ecomapp.mail.suppressions import suppress
from ecomapp.models import Message, MessageStatus, Store, SuppressionReason, utcnow

TRANSIENT_STREAK = 3  # failures in a row that mean the server, not the address: stop


def group_key(store_id: int) -> str:
    """Return the in-flight owner of a store's automation mail groups."""
    return f"mail:{store_id}"


def set_rows(ids: Sequence[int], **values: object) -> None:
    """Set these columns on the given message rows in one UPDATE (the session is not synced)."""
    db.session.execute(
        update(Message)
        .where(one_of(Message.id, ids))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def claim(store: Store, rows: Sequence[Message]) -> tuple[list[Message], str | None]:
    """Claim pending rows in one UPDATE (the marker is stored before it commits); return the
    claimed rows (their `sending_at` and `attempts` set) and the group's marker key."""
    marker, now = inflight.start_unique(group_key(store.id), utcnow())
    won = dict(
        db.session.execute(
            update(Message)
            .where(
                one_of(Message.id, [m.id for m in rows]),
                Message.status == MessageStatus.PENDING.value,
            )
            .values(
                status=MessageStatus.SENDING.value,
                sending_at=now,
                attempts=Message.attempts + 1,
                scheduled_for=None,
            )
            .returning(Message.id, Message.attempts)
            .execution_options(synchronize_session=False)
        ).all()
    )
    db.session.commit()
    if not won:
        inflight.finish(marker)
        return [], None
    claimed = [m for m in rows if m.id in won]
    for m in claimed:  # detached rows: plain values, never flushed
        m.status, m.sending_at, m.attempts = MessageStatus.SENDING.value, now, won[m.id]
    return claimed, marker


@dataclass
class Group:
    """One claimed group being handed to one backend connection."""

    store: Store
    settings: EffectiveSettings
    backend: MailBackend
    marker: str | None
    markers: inflight.Markers
    deadline: float  # time.monotonic() after which the rest is handed back
    sent: dict[int, str | None] = field(default_factory=dict)  # id → provider id
    retry: TransientError | None = None

    def send(self, claimed: Sequence[Message]) -> None:
        """Hand each claimed message over in id order; mark the sent ones once at the end.

        Stops early (the rest given back) when the content may have left, after a few
        transient failures in a row, or on an unexpected error (that row uncertain)."""
        streak, index = 0, 0
        try:
            for index, message in enumerate(claimed):
                if time.monotonic() > self.deadline:
                    self.retry = TransientError("the group took too long", retry_after=1)
                    self._release(claimed[index:])
                    break
                outcome = self._one(message)
                streak = streak + 1 if outcome == "retry" else 0
                if outcome == "stop" or streak >= TRANSIENT_STREAK:
                    self._release(claimed[index + 1 :])
                    break
        except Exception as exc:
            error = f"unexpected error while sending: {exc}"
            self._write(claimed[index], MessageStatus.UNCERTAIN, error)
            self._release(claimed[index + 1 :])
            raise
        finally:
            self._mark_sent()
        if self.retry is not None:
            raise self.retry

    def _one(self, message: Message) -> str:
        """Hand one message over; return "sent", "settled", "retry" or "stop"."""
        build = lambda: outgoing(message, self.settings)  # noqa: E731
        try:
            _, provider_id = inflight.hand_over(
                self.markers, self.marker, message.id, build, self.backend
            )
        except DeliveryUnknown as exc:
            return self._interrupted(message, str(exc))
        except RecipientRejected as exc:
            address, error = message.to_email, str(exc)
            suppress(self.store, address, SuppressionReason.HARD_BOUNCE, message.id, error)
            self._write(message, MessageStatus.FAILED, error, bounced_at=utcnow())
        except (PermanentError, ValueError) as exc:  # ValueError: it cannot be composed
            self._write(message, MessageStatus.FAILED, str(exc))
        except Exception as exc:
            if not is_transient(exc):
                raise
            return self._back_to_pending(message, exc)
        else:
            self.sent[message.id] = provider_id
            return "sent"
        return "settled"

    def _write(self, message: Message, status: MessageStatus, error: str, **extra: object) -> None:
        """Settle one row that did not go, at once (before the marker names the next one)."""
        set_rows([message.id], status=status.value, error=error, backend=self.backend.name, **extra)
        db.session.commit()

    def _back_to_pending(self, message: Message, exc: Exception) -> str:
        """Nothing left: retry with the job's backoff, or give up after the last attempt."""
        if message.attempts >= MAX_ATTEMPTS:
            error = f"gave up after {message.attempts} tries: {exc}"
            self._write(message, MessageStatus.FAILED, error)
            return "settled"
        self._write(message, MessageStatus.PENDING, f"try {message.attempts} failed: {exc}")
        self.retry = TransientError(str(exc), retry_after=getattr(exc, "retry_after", None))
        return "retry"

    def _interrupted(self, message: Message, error: str) -> str:
        """The content may have left: the row stays `sending`, judged alone after the send
        timeout (`was_sent`, as any interrupted row); the group stops and the job retries."""
        set_rows([message.id], error=f"interrupted: {error}", backend=self.backend.name)
        self.retry = TransientError(error, retry_after=send_timeout() + 1)
        return "stop"

    def _release(self, rest: Sequence[Message]) -> None:
        """Give unsent claimed rows back (pending, the attempt not counted)."""
        if rest:
            db.session.execute(
                update(Message)
                .where(
                    one_of(Message.id, [m.id for m in rest]),
                    Message.status == MessageStatus.SENDING.value,
                )
                .values(status=MessageStatus.PENDING.value, attempts=Message.attempts - 1)
                .execution_options(synchronize_session=False)
            )

    def _mark_sent(self) -> None:
        """Mark the sent rows in one UPDATE and commit, then forget the group's marker."""
        if self.sent:
            done = {
                "status": MessageStatus.SENT.value,
                "sent_at": utcnow(),
                "backend": self.backend.name,
                "error": None,
            }
            if any(self.sent.values()):  # each its own: arrays, not a CASE of 500 branches
                ids = list(self.sent)
                by_id = {"provider_id": (String(), list(self.sent.values()))}
                update_by_id(Message, ids, by_id, **done)
            else:
                set_rows(list(self.sent), provider_id=None, **done)
            self.sent = {}
        db.session.commit()
        if self.marker:
            inflight.finish(self.marker)
            self.marker = None


def send_timeout() -> float:
    """Return the seconds after which a send interrupted by a crash is judged."""
    return float(current_app.config["SETTINGS"].mail_send_timeout)


def lost_cap_race(store: Store, claimed: Sequence[Message], hours: int) -> dict[int, datetime]:
    """Return the claimed marketing rows that must wait for a message claimed earlier (the cap
    is checked again after the claim), with when they may go."""
    recent = policy.recent_marketing(store, claimed, hours, utcnow())
    waits: dict[int, datetime] = {}
    for message in claimed:
        until = policy.cap_until_among(message, recent, hours)
        if until is not None and until > utcnow():
            waits[message.id] = until
    return waits
