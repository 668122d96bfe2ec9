"""Durable work: inbound deliveries, canonical events, due work and job records."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import UTCDateTime, utcnow


class InboxStatus(StrEnum):
    """Where an inbound delivery stands."""

    RECEIVED = "received"
    PROCESSING = "processing"
    RETRYING = "retrying"  # a transient failure: the job layer owns the next try
    DONE = "done"
    IGNORED = "ignored"
    FAILED = "failed"


class InboxDelivery(Model):
    """One inbound delivery (webhook, plugin event), recorded before any work."""

    __tablename__ = "inbox_deliveries"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index("ix_inbox_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(128))
    shop_domain: Mapped[str | None] = mapped_column(String(255))
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.RECEIVED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a job last took the delivery or the sweeper last handed it to the queue.
    touched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many times the sweeper re-enqueued it (capped: see ecomapp/jobs/ticker.py).
    rescues: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Event(Model):
    """A canonical event (order.created, cart.abandoned …) that automations match."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("store_id", "dedupe_key"),
        Index("ix_events_store_type_occurred", "store_id", "type", "occurred_at"),
        Index("ix_events_dispatched_created", "dispatched_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once every subscriber ran (or dispatch gave up); the event sweeper rescues rows still
    # NULL whose dispatch job was lost, at most MAX_RESCUES times (ecomapp/jobs/retry.py).
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatch_touched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatch_rescues: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class DueStatus(StrEnum):
    """Where a piece of due work stands."""

    PENDING = "pending"
    ENQUEUED = "enqueued"
    DONE = "done"
    CANCELLED = "cancelled"


class DueWork(Model):
    """A job to enqueue at `due_at` (waits, retries, schedules); claimed once."""

    __tablename__ = "due_work"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_due_work_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), index=True
    )
    job: Mapped[str] = mapped_column(String(128))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=DueStatus.PENDING.value)
    dedupe_key: Mapped[str | None] = mapped_column(String(255))
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JobStatus(StrEnum):
    """Where a background job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    RETRYING = "retrying"
    FAILED = "failed"


class JobRecord(Model):
    """What happened to one background job, for the panel."""

    __tablename__ = "job_records"
    __table_args__ = (Index("ix_job_records_store_started", "store_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    job: Mapped[str] = mapped_column(String(128))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.RUNNING.value)
    error: Mapped[str | None] = mapped_column(Text)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UsedLoginLink(Model):
    """A signed login link that was used once; kept until it would have expired anyway."""

    __tablename__ = "used_login_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
