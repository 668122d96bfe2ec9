"""Store settings automations read: abandonment delay, low-stock threshold, alert recipients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecomapp.alert_recipients import ALERT_RECIPIENTS_KEY, alert_recipients, parse_recipients
from ecomapp.mail.reminder_policy import POLICIES, POLICY_KEY, cart_reminder_policy
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


RECIPIENTS_LABEL = "Alert recipients"  # as templates/admin/settings.html labels the field


def current_values(store: Store) -> dict[str, Any]:
    """Return every setting's value for a store (its own, else the default)."""
    values: dict[str, Any] = {s.key: int(store.settings.get(s.key, s.default)) for s in SETTINGS}
    values[ALERT_RECIPIENTS_KEY] = ", ".join(alert_recipients(store))
    values[POLICY_KEY] = cart_reminder_policy(store)
    return values


def _parse_recipients(form: dict[str, Any], values: dict[str, Any], errors: dict[str, str]) -> None:
    if ALERT_RECIPIENTS_KEY not in form:
        return
    found, problem = parse_recipients(str(form[ALERT_RECIPIENTS_KEY]))
    if problem:
        errors[ALERT_RECIPIENTS_KEY] = f"{RECIPIENTS_LABEL}: {problem}"
    else:
        values[ALERT_RECIPIENTS_KEY] = found


def parse(form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (values, errors by field) from a submitted form."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    _parse_recipients(form, values, errors)
    if POLICY_KEY in form:
        if form[POLICY_KEY] in POLICIES:
            values[POLICY_KEY] = form[POLICY_KEY]
        else:
            errors[POLICY_KEY] = f"Cart reminders: must be one of {', '.join(POLICIES)}"
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
