"""Store settings that automations read: abandonment delay, default low-stock threshold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecomapp.mirror.carts import DEFAULT_ABANDON_MINUTES
from ecomapp.mirror.products import DEFAULT_LOW_STOCK_THRESHOLD
from ecomapp.models import Store


@dataclass(frozen=True)
class NumberSetting:
    """An integer store setting with its label and bounds."""

    key: str
    label: str
    help: str
    default: int
    minimum: int
    maximum: int


SETTINGS: tuple[NumberSetting, ...] = (
    NumberSetting(
        "abandon_after_minutes",
        "A cart is abandoned after (minutes)",
        "Quiet time before cart.abandoned fires; abandoned-cart reminders count from it.",
        DEFAULT_ABANDON_MINUTES,
        10,
        7 * 24 * 60,
    ),
    NumberSetting(
        "low_stock_threshold",
        "Default low-stock threshold",
        "Used for variants without a threshold of their own (Shopify has none).",
        DEFAULT_LOW_STOCK_THRESHOLD,
        0,
        100_000,
    ),
)


def current_values(store: Store) -> dict[str, int]:
    """Return every setting's value for a store (its own, else the default)."""
    return {s.key: int(store.settings.get(s.key, s.default)) for s in SETTINGS}


def parse(form: dict[str, Any]) -> tuple[dict[str, int], dict[str, str]]:
    """Return (values, errors by field) from a submitted form."""
    values: dict[str, int] = {}
    errors: dict[str, str] = {}
    for setting in SETTINGS:
        raw = str(form.get(setting.key, "")).strip()
        try:
            number = int(raw)
        except ValueError:
            errors[setting.key] = f"{setting.label}: must be a whole number, got {raw!r}"
            continue
        if not setting.minimum <= number <= setting.maximum:
            errors[setting.key] = (
                f"{setting.label}: must be between {setting.minimum} and {setting.maximum}"
            )
            continue
        values[setting.key] = number
    return values, errors
