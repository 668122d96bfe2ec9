"""A store's effective mail settings: its own choices over the deployment's defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail.backends import BACKENDS, MailBackend
from ecomapp.models import MailSettings, Store

COLOR = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")
DEFAULT_COLOR = "#2f6f4f"
BACKEND_CHOICES = ("default", "outbox", "smtp", "postmark")


@dataclass(frozen=True)
class EffectiveSettings:
    """What the mailer uses for one store."""

    backend: str
    smtp_url: str | None
    api_token: str | None
    from_address: str
    brand_color: str
    logo_url: str | None
    postal_address: str
    frequency_cap_hours: int
    quiet_start_hour: int | None
    quiet_end_hour: int | None
    attribution_days: int


def settings_row(store: Store) -> MailSettings | None:
    """Return the store's saved mail settings, if any."""
    return db.session.scalar(select(MailSettings).where(MailSettings.store_id == store.id))


def _backend_name(row: MailSettings | None, smtp_url: str | None, token: str | None) -> str:
    chosen = row.backend if row is not None else "default"
    if chosen != "default":
        return chosen
    if smtp_url:
        return "smtp"
    return "postmark" if token else "outbox"


def effective_settings(store: Store) -> EffectiveSettings:
    """Return the settings the mailer uses for this store."""
    app_settings = current_app.config["SETTINGS"]
    row = settings_row(store)
    smtp_url = (row.smtp_url if row else None) or app_settings.smtp_url
    token = (row.api_token if row else None) or app_settings.postmark_token
    color = (row.brand_color if row else None) or store.settings.get("brand_color")
    return EffectiveSettings(
        backend=_backend_name(row, smtp_url, token),
        smtp_url=smtp_url,
        api_token=token,
        from_address=(row.from_address if row else None) or _default_from(store),
        brand_color=color if color and COLOR.match(color) else DEFAULT_COLOR,
        logo_url=row.logo_url if row else None,
        postal_address=(row.postal_address if row else None) or store.settings.get("address", ""),
        frequency_cap_hours=row.frequency_cap_hours if row else 16,
        quiet_start_hour=row.quiet_start_hour if row else 21,
        quiet_end_hour=row.quiet_end_hour if row else 8,
        attribution_days=row.attribution_days if row else 5,
    )


def _default_from(store: Store) -> str:
    from email.utils import formataddr, parseaddr

    configured = current_app.config["SETTINGS"].mail_from
    return formataddr((store.name or store.domain, parseaddr(configured)[1]))


def backend_for(settings: EffectiveSettings) -> MailBackend:
    """Return the delivery backend these settings choose; raise ValueError if unusable."""
    from ecomapp.jobs.runner import resolve

    cls = resolve(BACKENDS[settings.backend])
    if settings.backend == "smtp":
        if not settings.smtp_url:
            raise ValueError("SMTP is chosen but no SMTP URL is set")
        return cls(settings.smtp_url)
    if settings.backend == "postmark":
        if not settings.api_token:
            raise ValueError("Postmark is chosen but no server token is set")
        return cls(settings.api_token)
    return cls()
