"""Newsletter signups from the storefront: pending until the e-mailed link is confirmed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import TagList, UTCDateTime, utcnow


class SignupStatus(StrEnum):
    """Where a signup stands: waiting for its confirm link, or subscribed."""

    PENDING = "pending"
    SUBSCRIBED = "subscribed"


class Signup(Model):
    """One address signed up on a store's form, with what it agreed to and where it came from."""

    __tablename__ = "signups"
    __table_args__ = (
        UniqueConstraint("store_id", "email"),
        Index("ix_signups_store_customer", "store_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    # The categories picked, as ',a,b,' text (segments match one with LIKE, as for tags).
    interests: Mapped[list[str]] = mapped_column(TagList, default=list, server_default="")
    source: Mapped[str] = mapped_column(String(32))
    consent_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=SignupStatus.PENDING.value)
    # The confirm link's one-time value; cleared when used, replaced when a new link is sent.
    nonce: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    platform_customer_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    link_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
