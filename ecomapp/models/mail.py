"""Outgoing e-mail messages, written before sending and marked after."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import db
from ecomapp.models.types import UTCDateTime, utcnow


class MessageStatus(StrEnum):
    """Where an outgoing message stands."""

    PENDING = "pending"
    SENT = "sent"
    SUPPRESSED = "suppressed"
    FAILED = "failed"


class Message(db.Model):
    """One e-mail to one recipient, unique per store and idempotency key."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("store_id", "idempotency_key"),
        Index("ix_messages_store_created", "store_id", "created_at"),
        Index("ix_messages_store_automation", "store_id", "automation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="transactional")
    template_key: Mapped[str] = mapped_column(String(64))
    to_email: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    automation_id: Mapped[int | None] = mapped_column(Integer)
    run_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(998), default="")
    html: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.PENDING.value)
    backend: Mapped[str] = mapped_column(String(32), default="outbox")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
