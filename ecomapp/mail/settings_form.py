"""Validate and save the panel's mail settings form; secrets are write-only and encrypted."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr

from ecomapp.extensions import db
from ecomapp.mail.effective_settings import BACKEND_CHOICES, COLOR, settings_row
from ecomapp.mail.smtp import SmtpConfig
from ecomapp.models import MailSettings, Store

_HOURS = range(0, 24)


def _int(form: Mapping[str, str], name: str, allowed: range, errors: dict[str, str]) -> int | None:
    raw = form.get(name, "").strip()
    if raw == "":
        return None
    if not raw.isdigit() or int(raw) not in allowed:
        errors[name] = f"must be a whole number from {allowed.start} to {allowed.stop - 1}"
        return None
    return int(raw)


def _check(form: Mapping[str, str], errors: dict[str, str]) -> None:
    if form.get("backend", "default") not in BACKEND_CHOICES:
        errors["backend"] = "choose one of " + ", ".join(BACKEND_CHOICES)
    smtp_url = form.get("smtp_url", "").strip()
    if smtp_url:
        try:
            SmtpConfig.from_url(smtp_url)
        except ValueError as exc:
            errors["smtp_url"] = str(exc)
    color = form.get("brand_color", "").strip()
    if color and not COLOR.match(color):
        errors["brand_color"] = "must be a hex colour like #2f6f4f"
    sender = form.get("from_address", "").strip()
    if sender and ("@" not in parseaddr(sender)[1] or "\n" in sender or "\r" in sender):
        errors["from_address"] = "must be an e-mail address, optionally with a name"
    logo = form.get("logo_url", "").strip()
    if logo and not logo.startswith("https://"):
        errors["logo_url"] = "must be an https:// address"


def save_settings(store: Store, form: Mapping[str, str]) -> dict[str, str]:
    """Apply the form to the store's settings; return field errors (nothing saved then)."""
    errors: dict[str, str] = {}
    _check(form, errors)
    cap = _int(form, "frequency_cap_hours", range(0, 24 * 14 + 1), errors)
    start = _int(form, "quiet_start_hour", _HOURS, errors)
    end = _int(form, "quiet_end_hour", _HOURS, errors)
    days = _int(form, "attribution_days", range(1, 91), errors)
    if errors:
        return errors
    row = settings_row(store) or MailSettings(store_id=store.id)
    row.backend = form.get("backend", "default")
    for name in ("smtp_url", "api_token"):
        value = form.get(name, "").strip()
        if value:
            setattr(row, name, value)
        elif form.get(f"clear_{name}"):
            setattr(row, name, None)
    row.from_address = form.get("from_address", "").strip() or None
    row.brand_color = form.get("brand_color", "").strip() or None
    row.logo_url = form.get("logo_url", "").strip() or None
    row.postal_address = form.get("postal_address", "").strip() or None
    row.frequency_cap_hours = cap if cap is not None else 16
    if start is None or end is None:
        start = end = 0  # equal hours: no quiet hours
    row.quiet_start_hour, row.quiet_end_hour = start, end
    row.attribution_days = days or 5
    db.session.add(row)
    return {}
