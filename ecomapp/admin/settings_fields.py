"""Store settings automations read: abandonment delay, low-stock threshold, alert recipients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ecomapp.alert_recipients import ALERT_RECIPIENTS_KEY, alert_recipients, parse_recipients
from ecomapp.i18n import LANGUAGE_KEY, LANGUAGES, N_, store_language
from ecomapp.inventory.demand import DEFAULT_LEAD_DAYS, DEFAULT_SAFETY_DAYS
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
    optional: bool = False  # a form without the field keeps the saved value


SETTINGS: tuple[NumberSetting, ...] = (
    NumberSetting(
        "abandon_after_minutes",
        N_("A cart is abandoned after (minutes)"),
        N_("Quiet time before cart.abandoned fires; abandoned-cart reminders count from it."),
        DEFAULT_ABANDON_MINUTES,
        10,
        7 * 24 * 60,
    ),
    NumberSetting(
        "low_stock_threshold",
        N_("Default low-stock threshold"),
        N_("Used for variants without a threshold of their own (Shopify has none)."),
        DEFAULT_LOW_STOCK_THRESHOLD,
        0,
        100_000,
    ),
    NumberSetting(
        "low_stock_lead_days",
        "Supplier lead time (days)",
        "Low-stock alerts suggest reorder = units/day x (lead time + safety days) - stock.",
        DEFAULT_LEAD_DAYS,
        0,
        365,
        True,
    ),
    NumberSetting(
        "low_stock_safety_days",
        "Safety stock (days of sales)",
        "Added to the lead time in the suggested reorder quantity.",
        DEFAULT_SAFETY_DAYS,
        0,
        365,
        True,
    ),
    NumberSetting(
        "low_stock_digest_hour",
        "Daily low-stock digest at (hour, store time)",
        "0-23 sends one digest a day instead of one mail per crossing; -1 turns it off.",
        -1,
        -1,
        23,
        True,
    ),
)


RECIPIENTS_LABEL = "Alert recipients"  # as templates/admin/settings.html labels the field


def current_values(store: Store) -> dict[str, Any]:
    """Return every setting's value for a store (its own, else the default)."""
    values: dict[str, Any] = {s.key: int(store.settings.get(s.key, s.default)) for s in SETTINGS}
    values[ALERT_RECIPIENTS_KEY] = ", ".join(alert_recipients(store))
    values[LANGUAGE_KEY] = store_language(store)
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


def _parse_language(form: dict[str, Any], values: dict[str, Any], errors: dict[str, str]) -> None:
    if LANGUAGE_KEY not in form:
        return
    chosen = str(form[LANGUAGE_KEY])
    if chosen in LANGUAGES:
        values[LANGUAGE_KEY] = chosen
    else:
        errors[LANGUAGE_KEY] = _("Language: choose one of %(codes)s", codes=", ".join(LANGUAGES))


def parse(form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (values, errors by field) from a submitted form."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    _parse_recipients(form, values, errors)
    _parse_language(form, values, errors)
    if POLICY_KEY in form:
        if form[POLICY_KEY] in POLICIES:
            values[POLICY_KEY] = form[POLICY_KEY]
        else:
            errors[POLICY_KEY] = _(
                "Cart reminders: must be one of %(choices)s", choices=", ".join(POLICIES)
            )
    for setting in SETTINGS:
        if setting.optional and setting.key not in form:
            continue
        raw = str(form.get(setting.key, "")).strip()
        try:
            number = int(raw)
        except ValueError:
            errors[setting.key] = _(
                "%(label)s: must be a whole number, got %(raw)s",
                label=_(setting.label),
                raw=repr(raw),
            )
            continue
        if not setting.minimum <= number <= setting.maximum:
            errors[setting.key] = _(
                "%(label)s: must be between %(low)s and %(high)s",
                label=_(setting.label),
                low=setting.minimum,
                high=setting.maximum,
            )
            continue
        values[setting.key] = number
    return values, errors
