"""Prune finished bookkeeping rows so that tables stay small on busy stores."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from ecomapp.extensions import db
from ecomapp.models import DueStatus, DueWork, InboxDelivery, InboxStatus, JobRecord, JobStatus
from ecomapp.models.types import utcnow

KEEP = timedelta(days=30)


def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete succeeded jobs, processed deliveries and finished due work older than 30 days."""
    cutoff = (now or utcnow()) - KEEP
    counts = {
        "job_records": db.session.execute(
            delete(JobRecord).where(
                JobRecord.status == JobStatus.SUCCEEDED.value, JobRecord.started_at < cutoff
            )
        ).rowcount,
        "inbox_deliveries": db.session.execute(
            delete(InboxDelivery).where(
                InboxDelivery.status.in_([InboxStatus.DONE.value, InboxStatus.IGNORED.value]),
                InboxDelivery.received_at < cutoff,
            )
        ).rowcount,
        "due_work": db.session.execute(
            delete(DueWork).where(
                DueWork.status.in_([DueStatus.ENQUEUED.value, DueStatus.DONE.value]),
                DueWork.due_at < cutoff,
            )
        ).rowcount,
    }
    db.session.commit()
    return counts
