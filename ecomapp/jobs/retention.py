"""Prune finished bookkeeping rows so that tables stay small on busy stores."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from ecomapp.extensions import affected, db
from ecomapp.models import (
    DueStatus,
    DueWork,
    InboxDelivery,
    InboxStatus,
    JobRecord,
    JobStatus,
    Signup,
    SignupStatus,
    UsedLoginLink,
)
from ecomapp.models.types import utcnow

KEEP = timedelta(days=30)
# An unconfirmed signup is an address kept without consent: gone a week after its link expired
# (the week lets a late click still say "expired, sign up again" instead of "not found").
UNCONFIRMED_GRACE = timedelta(days=7)


def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete old succeeded jobs, processed deliveries, finished due work, expired link marks and
    signups never confirmed."""
    now = now or utcnow()
    cutoff = now - KEEP
    counts = {
        "job_records": affected(
            db.session.execute(
                delete(JobRecord).where(
                    JobRecord.status == JobStatus.SUCCEEDED.value, JobRecord.started_at < cutoff
                )
            )
        ),
        "inbox_deliveries": affected(
            db.session.execute(
                delete(InboxDelivery).where(
                    InboxDelivery.status.in_([InboxStatus.DONE.value, InboxStatus.IGNORED.value]),
                    InboxDelivery.received_at < cutoff,
                )
            )
        ),
        "due_work": affected(
            db.session.execute(
                delete(DueWork).where(
                    DueWork.status.in_([DueStatus.ENQUEUED.value, DueStatus.DONE.value]),
                    DueWork.due_at < cutoff,
                )
            )
        ),
        # An expired link is refused by its signature, so its used mark can go.
        "used_login_links": affected(
            db.session.execute(delete(UsedLoginLink).where(UsedLoginLink.expires_at < now))
        ),
        "unconfirmed_signups": affected(
            db.session.execute(
                delete(Signup).where(
                    Signup.status == SignupStatus.PENDING.value,
                    Signup.link_expires_at < now - UNCONFIRMED_GRACE,
                )
            )
        ),
    }
    db.session.commit()
    return counts
