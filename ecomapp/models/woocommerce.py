"""WooCommerce connections: pending /wc-auth requests and each connected site's secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import UTCDateTime, utcnow
from ecomapp.secrets_at_rest import Ciphertext, Encrypted


class WooConnection(Model):
    """A pending /wc-auth connection: single-use tokens (stored hashed), expiry, store URL."""

    __tablename__ = "woo_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    return_hash: Mapped[str] = mapped_column(String(64), unique=True)
    store_url: Mapped[str] = mapped_column(String(512))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    store_id: Mapped[int | None] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WooSite(Model):
    """A connected WooCommerce site: its URL, our webhook and plugin secrets, sync state."""

    __tablename__ = "woo_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(512))
    hook_token: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[int | None] = mapped_column()
    webhook_secret_enc: Mapped[str | None] = mapped_column(Ciphertext)
    webhook_secret = Encrypted("webhook_secret_enc")
    plugin_secret_enc: Mapped[str | None] = mapped_column(Ciphertext)
    plugin_secret = Encrypted("plugin_secret_enc")
    webhook_ids: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sync_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
