"""Outgoing e-mail: messages, templates, suppressions, per-store settings, tracking."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import Money, UTCDateTime, utcnow
from ecomapp.secrets_at_rest import Ciphertext, Encrypted


class MessageStatus(StrEnum):
    """Where an outgoing message stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    UNCERTAIN = "uncertain"  # a send was interrupted: possibly delivered, never resent
    SUPPRESSED = "suppressed"
    FAILED = "failed"


class MessageKind(StrEnum):
    """Marketing needs consent; transactional does not."""

    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"
    # A cart reminder: marketing or a service message with one-click opt-out, per the store's
    # cart reminder policy (ecomapp.mail.reminder_policy).
    CART_REMINDER = "cart_reminder"


class Message(Model):
    """One e-mail to one recipient, unique per store and idempotency key."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("store_id", "idempotency_key"),
        Index("ix_messages_store_created", "store_id", "created_at"),
        Index(  # campaign and one-off rows (no automation) are left out of this index
            "ix_messages_store_automation",
            "store_id",
            "automation_id",
            postgresql_where=sql_text("automation_id IS NOT NULL"),
            sqlite_where=sql_text("automation_id IS NOT NULL"),
        ),
        Index("ix_messages_store_to_sent", "store_id", "to_email", "sent_at"),
        Index("ix_messages_store_customer", "store_id", "customer_id"),
        Index(  # automation rows (no campaign send) are left out of this index
            "ix_messages_campaign_send_status",
            "campaign_send_id",
            "status",
            postgresql_where=sql_text("campaign_send_id IS NOT NULL"),
            sqlite_where=sql_text("campaign_send_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="transactional")
    template_key: Mapped[str] = mapped_column(String(64))
    to_email: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
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
    message_id_header: Mapped[str | None] = mapped_column(String(255))
    provider_id: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delay_reason: Mapped[str | None] = mapped_column(String(255))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    campaign_send_id: Mapped[int | None] = mapped_column(Integer)
    campaign_version_id: Mapped[int | None] = mapped_column(Integer)


class MailTemplate(Model):
    """A merchant's version of one template key (subject, HTML, optional text)."""

    __tablename__ = "mail_templates"
    __table_args__ = (UniqueConstraint("store_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(998), default="")
    html: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SuppressionReason(StrEnum):
    """Why an address gets no more mail (unsubscribe: marketing only; others: all mail)."""

    UNSUBSCRIBE = "unsubscribe"
    HARD_BOUNCE = "hard_bounce"
    COMPLAINT = "complaint"
    MANUAL = "manual"


class Suppression(Model):
    """An address the store must not mail (or not market to), checked before every send."""

    __tablename__ = "mail_suppressions"
    __table_args__ = (UniqueConstraint("store_id", "email", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentRecord(Model):
    """One marketing consent answer: who, yes or no, the exact wording shown, where, when."""

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_store_email", "store_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(255))
    granted: Mapped[bool] = mapped_column(Boolean)
    wording: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailSettings(Model):
    """A store's mail backend (secrets encrypted), branding, footer and sending rules."""

    __tablename__ = "mail_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), unique=True)
    backend: Mapped[str] = mapped_column(String(32), default="default")
    smtp_url_enc: Mapped[str | None] = mapped_column(Ciphertext)
    smtp_url = Encrypted("smtp_url_enc")
    api_token_enc: Mapped[str | None] = mapped_column(Ciphertext)
    api_token = Encrypted("api_token_enc")
    from_address: Mapped[str | None] = mapped_column(String(255))
    brand_color: Mapped[str | None] = mapped_column(String(16))
    logo_url: Mapped[str | None] = mapped_column(Text)
    postal_address: Mapped[str | None] = mapped_column(Text)
    frequency_cap_hours: Mapped[int] = mapped_column(Integer, default=16)
    # quiet hours in the store's zone; equal start and end hours mean none
    quiet_start_hour: Mapped[int | None] = mapped_column(Integer, default=21)
    quiet_end_hour: Mapped[int | None] = mapped_column(Integer, default=8)
    attribution_days: Mapped[int] = mapped_column(Integer, default=5)


class TrackingKind(StrEnum):
    """What a recipient did with a message."""

    OPEN = "open"
    CLICK = "click"
    UNSUBSCRIBE = "unsubscribe"


class TrackingEvent(Model):
    """One open, click or unsubscribe of a message."""

    __tablename__ = "mail_tracking_events"
    __table_args__ = (
        Index("ix_mail_tracking_store_message", "store_id", "message_id"),
        Index("ix_mail_tracking_store_created", "store_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attribution(Model):
    """An order credited to the message (and automation) engaged with before it."""

    __tablename__ = "mail_attributions"
    __table_args__ = (
        UniqueConstraint("store_id", "order_id"),
        Index("ix_mail_attributions_store_automation", "store_id", "automation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    automation_id: Mapped[int | None] = mapped_column(Integer)
    touch: Mapped[str] = mapped_column(String(16))
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
