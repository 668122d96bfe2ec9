"""Periodic work (sweepers, reconciliation), scheduled through due work by time bucket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_at
from ecomapp.models.work import DueWork

# The core's periodic jobs (path -> period in seconds); each app starts from these
# (ecomapp/registries.py) and the feature packages add theirs.
CORE_PERIODIC: dict[str, int] = {
    "ecomapp.mirror.carts:sweep_abandoned": 60,
    "ecomapp.jobs.retention:prune": 6 * 3600,
}


def bucket_key(path: str, period: int, now: datetime) -> str:
    """Return the dedupe key of path's run in the time bucket that holds now."""
    return f"periodic:{path}:{int(now.timestamp()) // period}"


def run_periodic(now: datetime) -> int:
    """Record each periodic job once per bucket; a second ticker adds nothing."""
    added = 0
    from ecomapp.registries import registries

    for path, period in registries().periodic.items():
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
