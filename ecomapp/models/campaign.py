"""Campaigns and newsletters: content in versions per audience, schedule, and each send."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import UTCDateTime, utcnow


class CampaignStatus(StrEnum):
    """A draft is edited; a scheduled campaign starts sends at its slots; done has no more."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    DONE = "done"


class SendStatus(StrEnum):
    """Where one send of a campaign stands."""

    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


class Campaign(Model):
    """A newsletter or campaign: a name, a schedule (once or recurring) and versions."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_status_next", "status", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT.value)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A/B subject test: this share of the audience gets subject A or B, the rest the winner
    ab_percent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ab_hours: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    ab_metric: Mapped[str] = mapped_column(String(8), default="opens", server_default="opens")


class CampaignVersion(Model):
    """One version of a campaign for one audience; the first matching version wins."""

    __tablename__ = "campaign_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(255), default="")
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[str] = mapped_column(String(998), default="")
    subject_b: Mapped[str] = mapped_column(String(998), default="", server_default="")
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class CampaignSend(Model):
    """One send of a campaign at one slot: batches materialised up to `cursor`, then sent."""

    __tablename__ = "campaign_sends"
    __table_args__ = (UniqueConstraint("campaign_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    slot: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=SendStatus.RUNNING.value)
    total: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    materialized: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    phase: Mapped[str] = mapped_column(String(8), default="all", server_default="all")
    decide_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    winners: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
