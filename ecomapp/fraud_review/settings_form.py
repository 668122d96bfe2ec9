"""The fraud settings form: merchant input to validated `Store.settings["fraud"]`, and back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict

from ecomapp.i18n import N_
from ecomapp.insights.fraud import InvalidFraudSettings, parse_settings
from ecomapp.insights.fraud.settings import SIGNALS, FraudSettings

INT_FIELDS = ("first_order_percentile", "velocity_hour", "velocity_day", "medium_at", "high_at")
LABELS = {
    "first_order_percentile": N_("First order is high-value above this percentile of the store"),
    "first_order_amount": N_("…or above this amount (empty: percentile only)"),
    "unusual_address_multiple": N_("New address is unusual on an order this many times the usual"),
    "velocity_hour": N_("Orders from the same e-mail, IP, phone or card within an hour"),
    "velocity_day": N_("…or within a day"),
    "medium_at": N_("Medium risk from score"),
    "high_at": N_("High risk (held) from score"),
}


def _number(name: str, text: str, kind: type) -> Any:
    try:
        return kind(text.strip())
    except ValueError:
        raise InvalidFraudSettings(name, "must be a number") from None


def raw_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """Return the settings JSON a submitted form describes; raise naming a non-number field."""
    signals = {
        name: {
            "enabled": form.get(f"signals.{name}.enabled") == "on",
            "weight": _number(
                f"signals.{name}.weight", form.get(f"signals.{name}.weight", ""), int
            ),
        }
        for name in SIGNALS
    }
    raw: dict[str, Any] = {"signals": signals}
    for name in INT_FIELDS:
        raw[name] = _number(name, form.get(name, ""), int)
    raw["first_order_amount"] = form.get("first_order_amount", "").strip() or None
    multiple = form.get("unusual_address_multiple", "")
    raw["unusual_address_multiple"] = _number("unusual_address_multiple", multiple, float)
    parse_settings(raw)  # refuses, naming the field
    return raw


def form_values(settings: FraudSettings) -> dict[str, Any]:
    """Return the form's field values for the settings."""
    values: dict[str, Any] = {name: getattr(settings, name) for name in INT_FIELDS}
    amount: Decimal | None = settings.first_order_amount
    values["first_order_amount"] = "" if amount is None else str(amount)
    values["unusual_address_multiple"] = settings.unusual_address_multiple
    for name, signal in settings.signals.items():
        values[f"signals.{name}.enabled"] = signal.enabled
        values[f"signals.{name}.weight"] = signal.weight
    return values
