"""A connected store: platform, domain, encrypted credentials and settings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecomapp.extensions import Model
from ecomapp.models.types import UTCDateTime, utcnow
from ecomapp.secrets_at_rest import Ciphertext, Encrypted


class Platform(StrEnum):
    """Platforms a store can live on."""

    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    DEMO = "demo"


class Store(Model):
    """One merchant's store; every other row belongs to exactly one."""

    __tablename__ = "stores"
    __table_args__ = (UniqueConstraint("platform", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    domain: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(255))
    access_token_enc: Mapped[str | None] = mapped_column(Ciphertext)
    access_token = Encrypted("access_token_enc")
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_token_enc: Mapped[str | None] = mapped_column(Ciphertext)
    refresh_token = Encrypted("refresh_token_enc")
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    api_secret_enc: Mapped[str | None] = mapped_column(Ciphertext)
    api_secret = Encrypted("api_secret_enc")
    scopes: Mapped[str] = mapped_column(String(1024), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the platform refused our refresh token: nothing works until the merchant reopens
    # the app (Shopify: the embedded load exchanges a new token and clears it).
    needs_reauth_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_active(self) -> bool:
        """Return True while the app is installed on this store."""
        return self.uninstalled_at is None

    def __repr__(self) -> str:
        return f"<Store {self.id} {self.platform}:{self.domain}>"
