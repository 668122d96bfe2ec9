"""Product recommendations: training runs and the stored top-N per product."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import UTCDateTime, utcnow


class RecoRunStatus(StrEnum):
    """Where a recommendation training run stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RecoRun(Model):
    """One training of a store's recommendation model, with its progress for the panel."""

    __tablename__ = "reco_runs"
    __table_args__ = (Index("ix_reco_runs_store_started", "store_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(16), default="panel")  # panel | nightly | cli
    status: Mapped[str] = mapped_column(String(16), default=RecoRunStatus.QUEUED.value)
    step: Mapped[str] = mapped_column(String(64), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)  # progress, out of total
    total: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)  # order lines trained on
    products: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)  # stored recommendations
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProductRecommendation(Model):
    """One of a product's top-N related products, ranked, with its score and where it came from."""

    __tablename__ = "product_recommendations"
    __table_args__ = (Index("ix_product_recommendations_store_product", "store_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    recommended_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))  # co-purchase | category
