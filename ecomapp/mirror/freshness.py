"""Out-of-order protection: never overwrite newer data with an older payload."""

from __future__ import annotations

from datetime import datetime

from ecomapp.models.types import as_utc


def is_stale(existing: datetime | None, incoming: datetime | None) -> bool:
    """Return True when the incoming version is older than what the mirror holds."""
    if existing is None or incoming is None:
        return False
    return as_utc(incoming) < as_utc(existing)


def stamp(value: datetime | None) -> str:
    """Return a compact, stable text form of a version timestamp for dedupe keys."""
    aware = as_utc(value)
    return aware.strftime("%Y%m%dT%H%M%S%f") if aware else "none"
