"""Words of the fraud review pages: decisions, levels, signals, refusals, translated."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from ecomapp.fraud_review.reasons import reason_text
from ecomapp.fraud_review.settings_form import LABELS
from ecomapp.i18n import N_
from ecomapp.insights.fraud import InvalidFraudSettings, parse_settings
from ecomapp.insights.fraud.settings import FraudSettings

DECISIONS = {
    "held": N_("held"),
    "flagged": N_("flagged"),
    "passed": N_("passed"),
    "approved": N_("approved"),
    "fraud": N_("fraud"),
}
BACKTEST_STATUSES = {
    "queued": N_("waiting"),
    "running": N_("scoring"),
    "done": N_("done"),
    "failed": N_("failed"),
}
LEVELS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high")}
SIGNALS = {
    "address_mismatch": N_("address mismatch"),
    "high_value_first_order": N_("high-value first order"),
    "failed_payments": N_("failed payments"),
    "unusual_address": N_("unusual address"),
    "velocity": N_("order velocity"),
    "ip_country": N_("IP country"),
    "disposable_email": N_("disposable e-mail"),
    "platform_risk": N_("platform risk"),
}
REFUSALS = (
    N_("must be a number"),
    N_("unknown setting"),
    N_("must be below high_at"),
    N_("must be an object"),
    N_("unknown signal"),
    N_("must be {enabled, weight}"),
    N_("must be true or false"),
    N_("must be a positive amount or empty"),
    N_("must be a number from 1 to 100"),
)
_RANGE = re.compile(r"must be a whole number from (\d+) to (\d+)")


def _known(table: dict[str, str], key: str) -> str:
    return _(table[key]) if key in table else key


def decision_label(decision: str) -> str:
    """Return a verdict's decision in the panel's language."""
    return _known(DECISIONS, decision)


def backtest_status_label(status: str) -> str:
    """Return a backtest's status (waiting, scoring, done, failed) in the panel's language."""
    return _known(BACKTEST_STATUSES, status)


def level_label(level: str) -> str:
    """Return a risk level in the panel's language."""
    return _known(LEVELS, level)


def signal_label(name: str) -> str:
    """Return a scoring signal's name in the panel's language."""
    return _known(SIGNALS, name)


def setting_label(setting: str) -> str:
    """Return a backtest row's setting ('without velocity', 'velocity alone' …) translated."""
    if setting == "current settings":
        return _("current settings")
    if setting.startswith("without "):
        return _("without %(signal)s", signal=signal_label(setting.removeprefix("without ")))
    if setting.endswith(" alone"):
        return _("%(signal)s alone", signal=signal_label(setting.removesuffix(" alone")))
    return setting


def refusal_text(message: str) -> str:
    """Return a settings refusal ('must be a number' …) in the panel's language."""
    found = _RANGE.fullmatch(message)
    if found:
        return _("must be a whole number from %(low)s to %(high)s", low=found[1], high=found[2])
    return _(message) if message in REFUSALS else message


def field_label(field: str) -> str:
    """Return the label of a settings field for a refusal ('signals.velocity.weight' too)."""
    if field in LABELS:
        return _(LABELS[field])
    parts = field.split(".")
    if len(parts) == 3 and parts[0] == "signals":
        return f"{signal_label(parts[1])} ({_('weight') if parts[2] == 'weight' else _('on')})"
    return field


def settings_summary(raw: dict[str, Any] | None) -> str:
    """Return what a backtest's settings change from the defaults, in the panel's language."""
    try:
        settings = parse_settings(raw)
    except InvalidFraudSettings as exc:
        return f"{field_label(exc.field)}: {refusal_text(exc.message)}"
    base = FraudSettings()
    parts = []
    for name, signal in settings.signals.items():
        if not signal.enabled:
            parts.append(_("%(signal)s off", signal=signal_label(name)))
        elif signal.weight != base.signals[name].weight:
            parts.append(
                _("%(signal)s weight %(weight)s", signal=signal_label(name), weight=signal.weight)
            )
    for name in LABELS:
        value = getattr(settings, name)
        if value != getattr(base, name):
            parts.append(f"{field_label(name)} {value}")
    return "; ".join(parts) or _("default settings")


HELPERS: dict[str, Callable[..., str]] = {
    "reason_text": reason_text,
    "decision_label": decision_label,
    "level_label": level_label,
    "signal_label": signal_label,
    "setting_label": setting_label,
    "field_label": field_label,
    "settings_summary": settings_summary,
    "backtest_status_label": backtest_status_label,
}
