"""Segments: named rule-based groups of customers, their members, daily sizes and RFM scores."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import UTCDateTime, utcnow


class Segment(Model):
    """A named group of a store's customers defined by conditions over the mirror."""

    __tablename__ = "segments"
    __table_args__ = (Index("ix_segments_store", "store_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    members: Mapped[int] = mapped_column(Integer, default=0)
    mirror_tag: Mapped[str | None] = mapped_column(String(64))
    # Also kept as a native customer group (a Shopify customer segment on the tag) when true.
    mirror_group: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    platform_group_id: Mapped[str | None] = mapped_column(String(255))
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SegmentMember(Model):
    """A customer who is in a segment now, and since when."""

    __tablename__ = "segment_members"
    # By customer: a deleted customer's rows are found without a scan (the cascade).
    __table_args__ = (Index("ix_segment_members_customer", "customer_id"),)

    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    # No foreign key: the customer's cascades with its store, and a check per inserted row
    # cost a fifth of a segment's first fill.
    store_id: Mapped[int] = mapped_column(Integer)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SegmentDay(Model):
    """A segment's size at the end of one UTC day (the trend chart's points)."""

    __tablename__ = "segment_days"

    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    members: Mapped[int] = mapped_column(Integer, default=0)


class CustomerRfm(Model):
    """A customer's recency, frequency and monetary quintiles (1-5) and RFM group."""

    __tablename__ = "customer_rfm"
    __table_args__ = (Index("ix_customer_rfm_store_group", "store_id", "rfm_group"),)

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    recency: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[int] = mapped_column(Integer)
    monetary: Mapped[int] = mapped_column(Integer)
    rfm_group: Mapped[str] = mapped_column(String(32))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
