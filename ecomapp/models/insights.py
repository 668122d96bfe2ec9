"""Set-based store work: monthly order rollups and group (tag) runs over the whole store."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import Money, TagList, UTCDateTime, utcnow


class OrderMonth(Model):
    """A store's orders and revenue in one past UTC month, refreshed from the orders table."""

    __tablename__ = "order_months"

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    orders: Mapped[int] = mapped_column(Integer, default=0)
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupRunStatus(StrEnum):
    """Where a whole-store group run stands."""

    QUEUED = "queued"
    COMPUTING = "computing"
    PUSHING = "pushing"
    DONE = "done"
    FAILED = "failed"


class GroupRun(Model):
    """One application of group rules (e.g. spend ranges) to every customer of a store."""

    __tablename__ = "group_runs"
    __table_args__ = (Index("ix_group_runs_store_started", "store_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(255), default="")
    ranges: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=GroupRunStatus.QUEUED.value)
    total: Mapped[int] = mapped_column(Integer, default=0)  # customers to look at
    computed: Mapped[int] = mapped_column(Integer, default=0)  # customers looked at
    changed: Mapped[int] = mapped_column(Integer, default=0)  # customers whose group changed
    pushed: Mapped[int] = mapped_column(Integer, default=0)  # changes sent to the platform
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GroupChange(Model):
    """The customers of one batch of a run that got the same change: tag added, tags removed."""

    __tablename__ = "group_changes"  # read back in id order from a run's cursor: no more indexes

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("group_runs.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    added: Mapped[list[str]] = mapped_column(TagList, default=list)
    removed: Mapped[list[str]] = mapped_column(TagList, default=list)
    customers: Mapped[int] = mapped_column(Integer, default=0)
    customer_ids: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    pushed: Mapped[int] = mapped_column(Integer, default=0)  # of `ids()`, sent to the platform

    def ids(self) -> list[int]:
        """Return the ids of the customers that got this change."""
        return sorted(int(i) for i in self.customer_ids.split(",") if i)
