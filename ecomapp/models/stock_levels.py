"""Low-stock crossings waiting for their alert, and products hidden while sold out."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from ecomapp.extensions import Model
from ecomapp.models.types import UTCDateTime, utcnow


class LowStockCrossing(Model):
    """A variant that crossed below its threshold: tagged, alerted now or in the day's digest."""

    __tablename__ = "low_stock_crossings"
    __table_args__ = (
        Index("ix_low_stock_crossings_store_alerted", "store_id", "alerted_at"),
        Index("ix_low_stock_crossings_store_product", "store_id", "product_id", "restocked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("variants.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    stock: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    tag: Mapped[str | None] = mapped_column(String(64))
    crossed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    restocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProductStockState(Model):
    """What the visibility sweep knows of a product: sold out since, hidden, exempt."""

    __tablename__ = "product_stock_states"
    __table_args__ = (UniqueConstraint("store_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    sold_out_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Hidden by the merchant (an undone show): a restock does not show it again.
    kept_hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    exempt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    restock_planned_on: Mapped[date | None] = mapped_column(Date)


class VisibilityChange(Model):
    """One hide or show pushed to the platform, with why; the panel can undo it."""

    __tablename__ = "visibility_changes"
    __table_args__ = (Index("ix_visibility_changes_store_created", "store_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(8))  # hide | show
    reason: Mapped[str] = mapped_column(String(32))  # sold_out | restock | undo
    status: Mapped[str] = mapped_column(String(16), default="done")  # done | failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undo_of_id: Mapped[int | None] = mapped_column(Integer)
