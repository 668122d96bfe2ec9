"""Where merchant alerts (low stock and other notify-the-merchant steps) are e-mailed."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from ecomapp.models import Store

# store.settings key: the addresses the merchant set in the panel (or the platform's own).
ALERT_RECIPIENTS_KEY = "alert_recipients"
MAX_RECIPIENTS = 10
_SEPARATORS = re.compile(r"[,;\s]+")


def parse_recipients(raw: str) -> tuple[list[str], str | None]:
    """Return (normalised addresses, None) or ([], why the list is refused)."""
    parts = [p for p in _SEPARATORS.split(raw or "") if p]
    if len(parts) > MAX_RECIPIENTS:
        return [], f"at most {MAX_RECIPIENTS} addresses, got {len(parts)}"
    found: list[str] = []
    for part in parts:
        try:
            address = validate_email(part, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            return [], f"{part!r} is not a valid e-mail address ({exc})"
        if address not in found:
            found.append(address)
    return found, None


def alert_recipients(store: Store) -> list[str]:
    """Return the store's alert recipients: those set for it, else the store's e-mail."""
    saved = [str(a) for a in store.settings.get(ALERT_RECIPIENTS_KEY) or [] if a]
    return saved or ([store.email] if store.email else [])
