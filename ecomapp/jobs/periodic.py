"""Periodic work (sweepers, reconciliation), scheduled through due work by time bucket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_at
from ecomapp.models.work import DueWork

# job path -> period in seconds; other packages append their own entries.
PERIODIC: dict[str, int] = {}


def bucket_key(path: str, period: int, now: datetime) -> str:
    """Return the dedupe key of path's run in the time bucket that holds now."""
    return f"periodic:{path}:{int(now.timestamp()) // period}"


def run_periodic(now: datetime) -> int:
    """Record each periodic job once per bucket; a second ticker adds nothing."""
    added = 0
    for path, period in PERIODIC.items():
        key = bucket_key(path, period, now)
        if db.session.scalar(select(DueWork.id).where(DueWork.dedupe_key == key)):
            continue
        try:
            with db.session.begin_nested():
                enqueue_at(now, path, dedupe_key=key)
            added += 1
        except IntegrityError:
            continue
    db.session.commit()
    return added


PERIODIC["ecomapp.mirror.carts:sweep_abandoned"] = 60
PERIODIC["ecomapp.jobs.retention:prune"] = 6 * 3600
