"""Automations, their versions, runs with traces, the effect ledger and backtests."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import UTCDateTime, utcnow


class RunStatus(StrEnum):
    """Where a run stands."""

    SKIPPED = "skipped"  # older rows only: skips are now counted in AutomationTally
    RUNNING = "running"
    WAITING = "waiting"
    RETRYING = "retrying"
    DONE = "done"
    EXITED = "exited"  # an exit condition held before a step
    FAILED = "failed"


class Automation(Model):
    """A merchant's automation: a validated JSON definition with a version number."""

    __tablename__ = "automations"
    __table_args__ = (Index("ix_automations_store_enabled", "store_id", "enabled"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trigger_key: Mapped[str] = mapped_column(String(64), default="")
    recipe_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AutomationVersion(Model):
    """A saved definition of an automation; runs point at the version they ran."""

    __tablename__ = "automation_versions"
    __table_args__ = (UniqueConstraint("automation_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    automation_id: Mapped[int] = mapped_column(ForeignKey("automations.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Run(Model):
    """One trigger of one automation version by one event, with its trace."""

    __tablename__ = "automation_runs"
    __table_args__ = (
        UniqueConstraint("automation_id", "version", "event_id"),
        Index("ix_runs_store_started", "store_id", "started_at"),
        Index("ix_runs_store_automation_started", "store_id", "automation_id", "started_at"),
        Index("ix_runs_status_wake", "status", "wake_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    automation_id: Mapped[int] = mapped_column(ForeignKey("automations.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING.value)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(255), default="")
    trace: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    next_step: Mapped[int] = mapped_column(Integer, default=0)
    wake_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RunStep(Model):
    """The outcome of one step of a run (action, wait, exit check)."""

    __tablename__ = "automation_run_steps"
    __table_args__ = (UniqueConstraint("run_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("automation_runs.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EffectLedger(Model):
    """One applied side effect, unique per (automation version, trigger event, step)."""

    __tablename__ = "automation_effects"
    __table_args__ = (UniqueConstraint("store_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    run_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Backtest(Model):
    """A side-effect-free replay of an automation over the store's past days."""

    __tablename__ = "automation_backtests"
    __table_args__ = (Index("ix_backtests_store_automation", "store_id", "automation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    automation_id: Mapped[int] = mapped_column(
        ForeignKey("automations.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PendingEvent(Model):
    """An event the engine has not taken yet; the store's batch job claims these in id order."""

    __tablename__ = "automation_pending_events"
    __table_args__ = (
        Index("ix_pending_events_store_event", "store_id", "event_id"),
        Index("ix_pending_events_store_lane_event", "store_id", "lane", "event_id"),
    )

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    # Its customer's lane (else its subject's): one worker per lane keeps per-customer order.
    lane: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class AutomationTally(Model):
    """How many events one automation saw on one day: evaluated, matched, skipped."""

    __tablename__ = "automation_tallies"
    __table_args__ = (UniqueConstraint("automation_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    automation_id: Mapped[int] = mapped_column(ForeignKey("automations.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    evaluated: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)


class AutomationSkipTally(Model):
    """Skips of one automation version on one day by the top-level condition that failed first.

    `condition` is the index in the version's top-level group; -1 counts an `any` group none of
    whose conditions held.
    """

    __tablename__ = "automation_skip_tallies"
    __table_args__ = (UniqueConstraint("automation_id", "version", "day", "condition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    automation_id: Mapped[int] = mapped_column(ForeignKey("automations.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    condition: Mapped[int] = mapped_column(SmallInteger)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
