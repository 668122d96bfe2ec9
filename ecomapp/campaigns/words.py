"""Words of the campaigns pages: statuses, audiences and recipes in the panel's language."""

from __future__ import annotations

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _

from ecomapp.i18n import N_

STATUSES = {
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "done": N_("done"),
    "running": N_("running"),
    "paused": N_("paused"),
    "cancelled": N_("cancelled"),
    "pending": N_("pending"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "uncertain": N_("uncertain"),
    "suppressed": N_("suppressed"),
    "failed": N_("failed"),
    "skipped": N_("skipped"),
}


def status_label(status: str) -> str:
    """Return a campaign's, a send's or a message's status in the panel's language."""
    return _(STATUSES[status]) if status in STATUSES else status


def translated(text: str) -> str:
    """Return a label declared with N_ (audience kinds, recipe titles) in the panel's language."""
    return _(text) if text else text


def weekday_name(index: int) -> str:
    """Return a weekday's name (0 = Monday) in the panel's language."""
    return str(get_day_names("wide", locale=str(get_locale() or "en"))[index])
