"""Prune skipped runs (conditions did not hold): kept 30 days for their trace."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from ecomapp.extensions import affected, db
from ecomapp.models import Run, RunStatus, utcnow

KEEP_SKIPPED = timedelta(days=30)


def prune_skipped_runs(now: datetime | None = None) -> int:
    """Delete skipped runs older than 30 days; return how many."""
    cutoff = (now or utcnow()) - KEEP_SKIPPED
    deleted = affected(
        db.session.execute(
            delete(Run).where(Run.status == RunStatus.SKIPPED.value, Run.started_at < cutoff)
        )
    )
    db.session.commit()
    return int(deleted or 0)
