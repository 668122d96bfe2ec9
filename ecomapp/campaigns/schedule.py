"""When a campaign goes out: once at a local date and time, or weekly, or the nth weekday
of each month, in the store's time zone."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _

from ecomapp.i18n import N_
from ecomapp.models.types import as_utc

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY = ("once", "week", "month")
NTH = {
    "1": N_("first"),
    "2": N_("second"),
    "3": N_("third"),
    "4": N_("fourth"),
    "last": N_("last"),
}


class InvalidSchedule(ValueError):
    """A schedule the campaign cannot use; `field` names the offending part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _at(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise InvalidSchedule("at", _("must be a time such as 10:00")) from None


def parse_schedule(form: dict[str, str]) -> dict[str, Any]:
    """Return a valid schedule from form fields, or raise InvalidSchedule naming the field."""
    every = form.get("every", "")
    if every not in EVERY:
        raise InvalidSchedule("every", _("must be one of %(choices)s", choices=", ".join(EVERY)))
    at = _at(form.get("at", "")).strftime("%H:%M")
    if every == "once":
        try:
            day = date.fromisoformat(form.get("date", ""))
        except ValueError:
            raise InvalidSchedule("date", _("must be a date such as 2026-12-07")) from None
        return {"every": "once", "date": day.isoformat(), "at": at}
    weekday = form.get("weekday", "")
    if weekday not in WEEKDAYS:
        raise InvalidSchedule(
            "weekday", _("must be one of %(choices)s", choices=", ".join(WEEKDAYS))
        )
    if every == "week":
        return {"every": "week", "weekday": weekday, "at": at}
    nth = form.get("nth", "")
    if nth not in ("1", "2", "3", "4", "last"):
        raise InvalidSchedule("nth", _("must be 1, 2, 3, 4 or last"))
    return {"every": "month", "nth": nth, "weekday": weekday, "at": at}


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _nth_weekday(year: int, month: int, weekday: int, nth: str) -> date:
    days = [
        d
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    return date(year, month, days[-1] if nth == "last" else days[int(nth) - 1])


def _candidates(schedule: dict[str, Any], local: datetime) -> list[date]:
    every = schedule["every"]
    if every == "once":
        return [date.fromisoformat(schedule["date"])]
    weekday = WEEKDAYS.index(schedule["weekday"])
    if every == "week":
        first = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
        return [first, first + timedelta(days=7)]
    months = [(local.year + (local.month - 1 + k) // 12, (local.month - 1 + k) % 12 + 1)
              for k in range(3)]  # fmt: skip
    return [_nth_weekday(y, m, weekday, schedule["nth"]) for y, m in months]


def next_slot(schedule: dict[str, Any], after: datetime, tz: str | None) -> datetime | None:
    """Return the first slot strictly after `after` (aware UTC), or None when there is none."""
    zone = _zone(tz)
    local = after.astimezone(zone)
    at = time.fromisoformat(schedule["at"])
    for day in _candidates(schedule, local):
        slot = datetime.combine(day, at, tzinfo=zone)
        if slot > local:
            return as_utc(slot)
    return None


def describe(schedule: dict[str, Any]) -> str:
    """Return the schedule in words, e.g. "first Monday of each month, 10:00"."""
    if not schedule:
        return _("not scheduled")
    every, at = schedule["every"], schedule["at"]
    if every == "once":
        return _("once, %(date)s %(at)s", date=schedule["date"], at=at)
    locale = str(get_locale() or "en")
    day = get_day_names("wide", locale=locale)[WEEKDAYS.index(schedule["weekday"])]
    if every == "week":
        return _("every %(day)s, %(at)s", day=day, at=at)
    nth = _(NTH[schedule["nth"]])
    return _("%(nth)s %(day)s of each month, %(at)s", nth=nth, day=day, at=at)
