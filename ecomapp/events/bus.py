"""Record a canonical event once per dedupe key and dispatch it after commit, recoverably.

An event row is its own dispatch record: `dispatched_at` stays NULL until every subscriber that
wants its type has run. One job per event (`dispatch_event`) runs them in turn; a transient
failure is the job layer's to retry, so subscribers must be idempotent (they are: runs and
effects are keyed). If the job is lost (Redis lost its data, a worker was killed), the event
sweeper re-dispatches the event after a minute, at most MAX_RESCUES times.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ecomapp.extensions import affected, db
from ecomapp.jobs.queue import enqueue_after_commit, job_id, live_job_ids
from ecomapp.jobs.retry import MAX_RESCUES
from ecomapp.models.types import utcnow
from ecomapp.models.work import Event
from ecomapp.registries import registries

log = logging.getLogger(__name__)

# Set in db.session.info while importing history (initial sync): mirror rows, no events.
QUIET_KEY = "ecomapp_quiet_events"
DISPATCH = "ecomapp.events.bus:dispatch_event"
SWEEP_AFTER = timedelta(seconds=60)
STUCK_AFTER = timedelta(minutes=15)
BATCH = 500


def subscribers_for(type: str) -> list[str]:
    """Return the paths of the subscribers that want events of this type."""
    registered = registries()
    types = registered.subscriber_types
    return [path for path in registered.subscribers if type in types.get(path, (type,))]


def emit(
    store_id: int,
    type: str,
    subject_type: str,
    subject_id: int | None,
    data: dict[str, Any],
    dedupe_key: str,
    occurred_at: datetime | None = None,
) -> Event | None:
    """Record an event unless its dedupe key was seen; return it, or None if a duplicate.

    Args:
        store_id: the store the event belongs to.
        type: the canonical event type (`order.created` …).
        subject_type: what the event is about (`order`, `customer` …).
        subject_id: the mirror row's id, when there is one.
        data: the event's payload, as conditions read it.
        dedupe_key: the key that makes a second emit of the same fact a no-op.
        occurred_at: when it happened at the platform (now by default).

    Returns:
        The recorded event, dispatched after the caller commits, or None for a duplicate.
    """
    if db.session.info.get(QUIET_KEY):
        return None
    exists = db.session.scalar(
        select(Event.id).where(Event.store_id == store_id, Event.dedupe_key == dedupe_key)
    )
    if exists:
        return None
    wanted = bool(subscribers_for(type))
    event = Event(
        store_id=store_id,
        type=type,
        subject_type=subject_type,
        subject_id=subject_id,
        data=data,
        dedupe_key=dedupe_key,
        occurred_at=occurred_at or utcnow(),
        dispatched_at=None if wanted else utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(event)
    except IntegrityError:
        return None
    if wanted:
        enqueue_after_commit(DISPATCH, event.id, store_id=store_id)
    return event


def emit_many(
    store_id: int,
    type: str,
    subject_type: str,
    items: Sequence[tuple[int | None, dict[str, Any], str]],
    occurred_at: datetime | None = None,
) -> int:
    """Record many events of one type at once (`emit`'s rules, one flush); return how many new.

    Args:
        store_id: the store the events belong to.
        type: the canonical event type.
        subject_type: what the events are about.
        items: (subject id, data, dedupe key) per event; keys already seen are skipped.
        occurred_at: when they happened (now by default).
    """
    if db.session.info.get(QUIET_KEY) or not items:
        return 0
    keys = [key for _, _, key in items]
    seen = set(
        db.session.scalars(
            select(Event.dedupe_key).where(Event.store_id == store_id, Event.dedupe_key.in_(keys))
        )
    )
    wanted, now = bool(subscribers_for(type)), utcnow()
    fresh = [
        Event(
            store_id=store_id,
            type=type,
            subject_type=subject_type,
            subject_id=subject_id,
            data=data,
            dedupe_key=key,
            occurred_at=occurred_at or now,
            dispatched_at=None if wanted else now,
        )
        for subject_id, data, key in items
        if key not in seen
    ]
    db.session.add_all(fresh)
    db.session.flush()
    for event in fresh if wanted else ():
        enqueue_after_commit(DISPATCH, event.id, store_id=store_id)
    return len(fresh)


def dispatch_event(event_id: int, generation: int = 0) -> None:
    """Run every subscriber that wants this event, then mark it dispatched."""
    from ecomapp.jobs.runner import is_last_attempt, resolve

    now = utcnow()
    taken = db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.dispatched_at.is_(None))
        .values(dispatch_touched_at=now)
    )
    db.session.commit()
    event = db.session.get(Event, event_id) if affected(taken) == 1 else None
    if event is None:
        return  # gone, or dispatched already
    try:
        for path in subscribers_for(event.type):
            resolve(path)(event_id)
            db.session.commit()
    except Exception as exc:
        db.session.rollback()
        if is_last_attempt(exc):  # the job records the error; the sweeper must not retry it
            _mark_dispatched(event_id)
        raise
    _mark_dispatched(event_id)


def _mark_dispatched(event_id: int) -> None:
    db.session.execute(update(Event).where(Event.id == event_id).values(dispatched_at=utcnow()))
    db.session.commit()


def sweep_events(now: datetime | None = None) -> int:
    """Re-dispatch events whose dispatch job was lost, once per loss, MAX_RESCUES times at most."""
    now = now or utcnow()
    stale = Event.dispatched_at.is_(None) & (
        (Event.dispatch_touched_at.is_(None) & (Event.created_at <= now - SWEEP_AFTER))
        | (func.coalesce(Event.dispatch_touched_at, now) <= now - STUCK_AFTER)
    )
    rows = db.session.execute(
        select(Event.id, Event.store_id, Event.dispatch_rescues).where(stale).limit(BATCH)
    ).all()
    if not rows:
        return 0
    ids = {row.id: job_id(DISPATCH, [row.id, row.dispatch_rescues]) or "" for row in rows}
    try:
        live = live_job_ids(list(ids.values()), started_since=now - STUCK_AFTER)
    except RedisError as exc:
        log.warning("event sweep skipped: Redis unreachable (%s)", exc)
        return 0
    rescued = sum(
        _rescue_event(row.id, row.store_id, row.dispatch_rescues, stale, now)
        for row in rows
        if ids[row.id] not in live
    )
    db.session.commit()
    return rescued


def _rescue_event(event_id: int, store_id: int, rescues: int, stale: Any, now: datetime) -> int:
    mine = (Event.id == event_id) & (Event.dispatch_rescues == rescues) & stale
    if rescues >= MAX_RESCUES:
        db.session.execute(update(Event).where(mine).values(dispatched_at=now))
        log.error("event %s: dispatch lost %s times; gave up", event_id, rescues + 1)
        return 0
    result = db.session.execute(
        update(Event).where(mine).values(dispatch_rescues=rescues + 1, dispatch_touched_at=now)
    )
    if affected(result) != 1:
        return 0
    enqueue_after_commit(DISPATCH, event_id, rescues + 1, store_id=store_id)
    return 1


def dispatch_job_id(args: list[Any]) -> str:
    """Return the RQ job id of one dispatch of an event (id, rescue generation)."""
    return f"dispatch-{args[0]}-{args[1] if len(args) > 1 else 0}"


def reopen(event_id: int, generation: int = 0) -> None:
    """Dispatch an event again from the Jobs page's Retry (its dispatch failed for good)."""
    db.session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(dispatched_at=None, dispatch_rescues=0, dispatch_touched_at=utcnow())
    )
