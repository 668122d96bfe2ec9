"""The schema's and the builder's reasons in the merchant's language.

The schema stays free of Flask and speaks English (its paths and reasons are also an API);
the builder shows each reason through `translated`, which recognises the English wording
below (placeholders stand for the values the schema puts in) and returns the translation.
"""

from __future__ import annotations

import re
from functools import cache

from flask_babel import gettext

from ecomapp.i18n import N_

REASONS = (
    N_("a branch needs a step in then or else"),
    N_("a branch needs at least one condition"),
    N_("a group needs at least one condition"),
    N_("a wait needs days, hours, minutes or until"),
    N_("between needs [low, high] numbers, low ≤ high"),
    N_("branches nest at most %(n)s deep"),
    N_("events do not carry a previous %(field)s"),
    N_("groups nest at most %(n)s deep"),
    N_("in needs a non-empty list"),
    N_("is required for a webhook"),
    N_("is required"),
    N_("min and max must be numbers"),
    N_("must be a list of steps"),
    N_("must be a list of texts"),
    N_("must be a list"),
    N_("must be a number, got %(value)s"),
    N_("must be a number"),
    N_("must be a positive number"),
    N_("must be a time HH:MM"),
    N_("must be a time of day HH:MM"),
    N_("must be above min"),
    N_("must be action, wait or branch"),
    N_("must be an http(s) URL"),
    N_("must be an object with field, op and value"),
    N_("must be an object"),
    N_("must be any, all or none"),
    N_("must be at least %(n)s"),
    N_("must be at most %(n)s"),
    N_("must be between 0 and 100"),
    N_("must be mon … sun"),
    N_("must be one of %(choices)s"),
    N_("must be true or false"),
    N_('must be {"all": [...]} or {"any": [...]}'),
    N_("must name an event or a schedule"),
    N_("must not be empty"),
    N_("needs a list of {min, max, group}"),
    N_("needs at least one action"),
    N_("needs at least one step"),
    N_("operator %(op)s does not apply to %(field)s"),
    N_("percent_off or amount_off needed"),
    N_("reload the builder: this row has no key"),
    N_("unknown action %(name)s"),
    N_("unknown e-mail template %(name)s"),
    N_("unknown event %(name)s; one of the canonical"),
    N_("unknown field %(name)s"),
    N_("unsupported operator %(op)s"),
    N_("write a duration like 30d, 2h, 45m or 09:00"),
    N_("%(field)s is not available for this trigger"),
    N_("%(action)s has no parameter %(name)s"),
    N_("%(action)s needs a %(target)s; this trigger has none"),
)


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in REASONS:
        pattern = re.escape(template)
        pattern = re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", pattern)
        out.append((re.compile(f"^{pattern}$"), template))
    return out


def translated(reason: str) -> str:
    """Return a schema or builder reason in the current language (unknown ones as they are)."""
    for pattern, template in _patterns():
        found = pattern.match(reason)
        if found:
            return gettext(template, **found.groupdict())
    return reason
