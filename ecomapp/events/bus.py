"""Record a canonical event once per dedupe key and dispatch it after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue
from ecomapp.models.types import utcnow
from ecomapp.models.work import Event

# Import paths of functions taking an event id; each runs as its own job.
SUBSCRIBERS: list[str] = []
# The event types a subscriber wants, by path; a subscriber not named here gets every event.
SUBSCRIBER_TYPES: dict[str, frozenset[str]] = {}
# Set in db.session.info while importing history (initial sync): mirror rows, no events.
QUIET_KEY = "ecomapp_quiet_events"


def emit(
    store_id: int,
    type: str,
    subject_type: str,
    subject_id: int | None,
    data: dict[str, Any],
    dedupe_key: str,
    occurred_at: datetime | None = None,
) -> Event | None:
    """Record an event unless its dedupe key was seen; return it, or None if a duplicate."""
    if db.session.info.get(QUIET_KEY):
        return None
    exists = db.session.scalar(
        select(Event.id).where(Event.store_id == store_id, Event.dedupe_key == dedupe_key)
    )
    if exists:
        return None
    event = Event(
        store_id=store_id,
        type=type,
        subject_type=subject_type,
        subject_id=subject_id,
        data=data,
        dedupe_key=dedupe_key,
        occurred_at=occurred_at or utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(event)
    except IntegrityError:
        return None
    for path in SUBSCRIBERS:
        if type in SUBSCRIBER_TYPES.get(path, (type,)):
            enqueue(path, event.id, store_id=store_id)
    return event
