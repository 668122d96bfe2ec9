"""Smart collections kept on the platform, and the storefront search counts some of them read."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import UTCDateTime, utcnow


class CollectionKind(StrEnum):
    """What decides a smart collection's members and their order."""

    BEST_SELLERS = "best_sellers"
    TOP_RATED = "top_rated"
    NEW_ARRIVALS = "new_arrivals"
    MOST_SEARCHED = "most_searched"
    TRENDING = "trending"


class SmartCollection(Model):
    """A collection whose members the app computes from the mirror and pushes to the platform."""

    __tablename__ = "smart_collections"
    __table_args__ = (Index("ix_smart_collections_store_next", "store_id", "next_refresh_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    # Kind options: days (window), metric (units | revenue), min_ratings.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Scope: "" (whole store), "type" (product type) or "category" (platform category id).
    scope_kind: Mapped[str] = mapped_column(String(16), default="")
    scope_value: Mapped[str] = mapped_column(String(255), default="")
    size_limit: Mapped[int] = mapped_column(Integer, default=20)
    pins: Mapped[list[str]] = mapped_column(JSON, default=list)  # product platform ids, first
    exclusions: Mapped[list[str]] = mapped_column(JSON, default=list)
    refresh_hour: Mapped[int] = mapped_column(Integer, default=3)  # store-local hour
    # The platform's collection (Shopify gid) or category (WooCommerce id) once created.
    platform_ref: Mapped[str | None] = mapped_column(String(255))
    members: Mapped[list[str]] = mapped_column(JSON, default=list)  # as pushed, in order
    last_change: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_refresh_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_refresh_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchTermDay(Model):
    """How often shoppers searched one term on one (store-local) day."""

    __tablename__ = "search_term_days"
    __table_args__ = (UniqueConstraint("store_id", "day", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    term: Mapped[str] = mapped_column(String(100))
    count: Mapped[int] = mapped_column(Integer, default=0)
