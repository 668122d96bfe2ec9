"""Merchant-editable fraud settings: each signal's weight and switch, thresholds; validated."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

SIGNALS = (
    "address_mismatch",
    "high_value_first_order",
    "failed_payments",
    "unusual_address",
    "velocity",
    "ip_country",
    "disposable_email",
    "platform_risk",
)
DEFAULT_WEIGHTS = {
    "address_mismatch": 35,
    "high_value_first_order": 30,
    "failed_payments": 35,
    "unusual_address": 40,
    "velocity": 35,
    "ip_country": 30,
    "disposable_email": 25,
    "platform_risk": 45,
}


class InvalidFraudSettings(ValueError):
    """Settings refused; `field` names the offending setting."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class SignalSetting:
    """One signal's switch and weight (the points it adds at full strength)."""

    enabled: bool = True
    weight: int = 30


@dataclass(frozen=True)
class FraudSettings:
    """All settings of the scorer; the defaults are the ones the benchmark measures."""

    signals: dict[str, SignalSetting] = field(
        default_factory=lambda: {n: SignalSetting(True, w) for n, w in DEFAULT_WEIGHTS.items()}
    )
    first_order_percentile: int = 95
    first_order_amount: Decimal | None = None
    unusual_address_multiple: float = 2.5
    velocity_hour: int = 2
    velocity_day: int = 4
    medium_at: int = 30
    high_at: int = 60

    def only(self, name: str) -> FraudSettings:
        """Return these settings with one signal alone switched on, at full weight."""
        signals = {n: SignalSetting(n == name, 100) for n in SIGNALS}
        return replace(self, signals=signals)


_INT_FIELDS = {
    "first_order_percentile": (50, 99),
    "velocity_hour": (2, 100),
    "velocity_day": (2, 1000),
    "medium_at": (1, 100),
    "high_at": (1, 100),
}


def parse_settings(raw: dict[str, Any] | None) -> FraudSettings:
    """Return validated settings from merchant JSON; raise InvalidFraudSettings naming the field."""
    raw = dict(raw or {})
    unknown = set(raw) - {*_INT_FIELDS, "signals", "first_order_amount", "unusual_address_multiple"}
    if unknown:
        raise InvalidFraudSettings(sorted(unknown)[0], "unknown setting")
    base = FraudSettings()
    values: dict[str, Any] = {"signals": _parse_signals(raw.get("signals"), base.signals)}
    for name, (low, high) in _INT_FIELDS.items():
        if name in raw:
            values[name] = _int(name, raw[name], low, high)
    if "first_order_amount" in raw:
        values["first_order_amount"] = _amount(raw["first_order_amount"])
    if "unusual_address_multiple" in raw:
        values["unusual_address_multiple"] = _multiple(raw["unusual_address_multiple"])
    settings = replace(base, **values)
    if settings.medium_at >= settings.high_at:
        raise InvalidFraudSettings("medium_at", "must be below high_at")
    return settings


def _parse_signals(raw: Any, base: dict[str, SignalSetting]) -> dict[str, SignalSetting]:
    if raw is None:
        return dict(base)
    if not isinstance(raw, dict):
        raise InvalidFraudSettings("signals", "must be an object")
    out = dict(base)
    for name, value in raw.items():
        where = f"signals.{name}"
        if name not in SIGNALS:
            raise InvalidFraudSettings(where, "unknown signal")
        if not isinstance(value, dict) or set(value) - {"enabled", "weight"}:
            raise InvalidFraudSettings(where, "must be {enabled, weight}")
        enabled = value.get("enabled", out[name].enabled)
        if not isinstance(enabled, bool):
            raise InvalidFraudSettings(f"{where}.enabled", "must be true or false")
        weight = _int(f"{where}.weight", value.get("weight", out[name].weight), 0, 100)
        out[name] = SignalSetting(enabled, weight)
    return out


def _int(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidFraudSettings(name, f"must be a whole number from {low} to {high}")
    return value


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount <= 0:
        raise InvalidFraudSettings("first_order_amount", "must be a positive amount or empty")
    return amount


def _multiple(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 100:
        raise InvalidFraudSettings("unusual_address_multiple", "must be a number from 1 to 100")
    return float(value)
