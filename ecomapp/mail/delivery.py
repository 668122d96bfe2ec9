"""The delivery jobs: rules, claim, hand-over, mark, a batch at a time; never sent twice.

A batch's rows are read once; suppression and consent are checked for the whole batch in one
or two statements and quiet hours once; the rows that may go are claimed, sent over one
connection behind the in-flight marker and marked in groups of `GROUP` (`groups.py`). Rows a
crash left `sending` and rows whose rendering job was lost are settled one by one first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from ecomapp.extensions import db
from ecomapp.jobs import TransientError, enqueue_at
from ecomapp.jobs.retry import MAX_ATTEMPTS
from ecomapp.mail import inflight, policy
from ecomapp.mail.api import is_recorded_only, prepare, request_of
from ecomapp.mail.backends import MailBackend, OutboxBackend
from ecomapp.mail.compose import outgoing
from ecomapp.mail.effective_settings import EffectiveSettings, backend_for, effective_settings
from ecomapp.mail.groups import (
    Group,
    claim,
    group_key,
    lost_cap_race,
    send_timeout,
    set_rows,
)
from ecomapp.mail.reminder_policy import offers_opt_out
from ecomapp.mail.sql import one_of
from ecomapp.models import Message, MessageStatus, Store, utcnow
from ecomapp.models.types import as_utc

log = logging.getLogger(__name__)
OPEN_STATUSES = (MessageStatus.PENDING.value, MessageStatus.SENDING.value)
GROUP = 500  # rows claimed, sent and marked together (half the send timeout bounds it)


def deliver_message(message_id: int) -> None:
    """Deliver one message at most once (a batch of one)."""
    deliver_batch([message_id])


def deliver_batch(message_ids: list[int]) -> None:
    """Deliver several messages at most once each, in groups on one backend connection."""
    rows = db.session.scalars(
        select(Message)
        .where(
            one_of(Message.id, message_ids),
            Message.status.in_(OPEN_STATUSES),
            Message.campaign_send_id.is_(None),  # ecomapp/campaigns/sending.py sends these
        )
        .order_by(Message.store_id, Message.id)
        .options(defer(Message.context))  # read only to render a lost rendering job's row
    ).all()
    for row in rows:
        if not _needs_settling(row):
            db.session.expunge(row)  # read once; every write below is a statement by id
    retry: TransientError | None = None
    markers = inflight.Markers()
    try:
        for store_id, store_rows in groupby(rows, key=lambda m: m.store_id):
            store = db.session.get(Store, store_id)
            if store is None or not store.is_active:
                continue
            try:
                _deliver_store(store, list(store_rows), markers)
            except TransientError as exc:
                retry = exc
    finally:
        markers.close()
    if retry is not None:
        raise retry


def _needs_settling(row: Message) -> bool:
    return row.status == MessageStatus.SENDING.value or is_recorded_only(row)


def _deliver_store(store: Store, rows: list[Message], markers: inflight.Markers) -> None:
    settings = effective_settings(store)
    retry: TransientError | None = None
    ready = [m for m in rows if m.status == MessageStatus.PENDING.value and not is_recorded_only(m)]
    for row in [m for m in rows if _needs_settling(m)]:  # a group settled here may free later rows
        try:
            if _settle(store, row, settings):
                ready.append(row)
        except TransientError as exc:
            retry = exc
    ready = _apply_rules(store, sorted(ready, key=lambda m: m.id), settings)
    for start in range(0, len(ready), GROUP):
        _send_group(store, settings, ready[start : start + GROUP], markers)
    if retry is not None:
        raise retry


def _settle(store: Store, row: Message, settings: EffectiveSettings) -> bool:
    """Settle a row a crash left `sending`, or render one whose rendering job was lost; True
    (and detached, like the others) when it may be sent now."""
    if row.status == MessageStatus.SENDING.value and not _resolve_interrupted(store, row, settings):
        return False
    if is_recorded_only(row):
        ok = prepare(store, row, request_of(row))
        db.session.commit()
        if not ok:
            return False
    db.session.refresh(row)
    db.session.expunge(row)
    return row.status == MessageStatus.PENDING.value


def _apply_rules(store: Store, rows: list[Message], settings: EffectiveSettings) -> list[Message]:
    """Suppression and consent for the batch at once, quiet hours once; return what may go."""
    if not rows:
        return []
    refused = policy.batch_refusals(store, rows)
    for reason in set(refused.values()):
        ids = [i for i, why in refused.items() if why == reason]
        set_rows(ids, status=MessageStatus.SUPPRESSED.value, error=reason)
    now = utcnow()
    quiet = policy.quiet_hours_end(store, now, settings.quiet_start_hour, settings.quiet_end_hour)
    waiting = {m.id for m in rows if m.id not in refused and offers_opt_out(m.kind)}
    if quiet > now and waiting:
        _delay(store.id, sorted(waiting), quiet, "delayed by quiet hours")
    else:
        waiting = set()
    if refused or waiting:
        db.session.commit()
    return [m for m in rows if m.id not in refused and m.id not in waiting]


def _send_group(
    store: Store, settings: EffectiveSettings, rows: Sequence[Message], markers: inflight.Markers
) -> None:
    """Claim a group in one statement, check the cap again, send it, mark it."""
    claimed, marker = claim(store, rows)
    if not claimed:
        return
    waits = lost_cap_race(store, claimed, settings.frequency_cap_hours)
    for until, ids in _by_time(waits).items():
        end = policy.quiet_hours_end(
            store, until, settings.quiet_start_hour, settings.quiet_end_hour
        )
        set_rows(
            ids, status=MessageStatus.PENDING.value, sending_at=None, attempts=Message.attempts - 1
        )
        _delay(store.id, ids, end, "delayed by frequency cap")
    if waits:
        db.session.commit()
    going = [m for m in claimed if m.id not in waits]
    try:
        backend = backend_for(settings)
    except ValueError as exc:  # the store's backend is not usable: each fails with why
        set_rows([m.id for m in going], status=MessageStatus.FAILED.value, error=str(exc))
        going = []
        backend = OutboxBackend()
    Group(store, settings, backend, marker, markers, deadline=_deadline()).send(going)


def _by_time(waits: dict[int, datetime]) -> dict[datetime, list[int]]:
    out: dict[datetime, list[int]] = {}
    for message_id, until in sorted(waits.items()):
        out.setdefault(until, []).append(message_id)
    return out


def _deadline() -> float:
    """Return when a group stops and hands the rest back (half the send timeout after its
    claim), so no sweeper judges its rows while it still sends."""
    return time.monotonic() + send_timeout() / 2


def _resolve_interrupted(store: Store, message: Message, settings: EffectiveSettings) -> bool:
    """Decide what a `sending` row left by a crash means; True when it may be sent (again)."""
    age = utcnow() - (as_utc(message.sending_at) or utcnow())
    timeout = timedelta(seconds=send_timeout())
    if age < timeout:
        wait = (timeout - age).total_seconds() + 1
        raise TransientError("another worker may be sending this message", retry_after=wait)
    if message.sending_at is not None and _recover_group(store, message.sending_at):
        db.session.refresh(message)
        return message.status == MessageStatus.PENDING.value
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
    _finish(message, MessageStatus.UNCERTAIN, inflight.UNCERTAIN)
    return False


def _recover_group(store: Store, sending_at: datetime) -> bool:
    """Settle the stranded group claimed at `sending_at` by its in-flight marker; False when
    it has none (claimed alone before groups, or Redis lost it)."""
    name = inflight.key(group_key(store.id), sending_at)
    group = and_(
        Message.store_id == store.id,
        Message.campaign_send_id.is_(None),
        Message.sending_at == sending_at,
    )
    if not inflight.recover_group(name, group, {}):
        return False
    db.session.commit()
    inflight.finish(name)
    return True


def _delay(store_id: int, ids: Sequence[int], until: datetime, reason: str) -> None:
    """Keep rows pending until `until` with the reason shown, and schedule their delivery:
    one job for the group (a night's quiet hours end in one batch, not one job per mail)."""
    set_rows(ids, scheduled_for=until, delay_reason=f"{reason} until {until:%Y-%m-%d %H:%M} UTC")
    stamp = int(until.timestamp())
    job: Callable[..., None] = deliver_message if len(ids) == 1 else deliver_batch
    args: object = ids[0] if len(ids) == 1 else list(ids)
    key = f"mail-deliver:{ids[0]}:{stamp}"
    if len(ids) > 1:
        key = f"mail-deliver-batch:{store_id}:{min(ids)}-{max(ids)}:{len(ids)}:{stamp}"
    try:
        with db.session.begin_nested():
            enqueue_at(until, job, args, store_id=store_id, dedupe_key=key)
    except IntegrityError:
        pass  # this delay is already scheduled


def _finish(message: Message, status: MessageStatus, error: str | None) -> None:
    message.status = status.value
    message.error = error
    db.session.commit()
