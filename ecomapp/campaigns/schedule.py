"""When a campaign goes out: once at a local date and time, or weekly, or the nth weekday
of each month, in the store's time zone."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ecomapp.models.types import as_utc

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY = ("once", "week", "month")


class InvalidSchedule(ValueError):
    """A schedule the campaign cannot use; `field` names the offending part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _at(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise InvalidSchedule("at", "must be a time such as 10:00") from None


def parse_schedule(form: dict[str, str]) -> dict[str, Any]:
    """Return a valid schedule from form fields, or raise InvalidSchedule naming the field."""
    every = form.get("every", "")
    if every not in EVERY:
        raise InvalidSchedule("every", f"must be one of {', '.join(EVERY)}")
    at = _at(form.get("at", "")).strftime("%H:%M")
    if every == "once":
        try:
            day = date.fromisoformat(form.get("date", ""))
        except ValueError:
            raise InvalidSchedule("date", "must be a date such as 2026-12-07") from None
        return {"every": "once", "date": day.isoformat(), "at": at}
    weekday = form.get("weekday", "")
    if weekday not in WEEKDAYS:
        raise InvalidSchedule("weekday", f"must be one of {', '.join(WEEKDAYS)}")
    if every == "week":
        return {"every": "week", "weekday": weekday, "at": at}
    nth = form.get("nth", "")
    if nth not in ("1", "2", "3", "4", "last"):
        raise InvalidSchedule("nth", "must be 1, 2, 3, 4 or last")
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
        return "not scheduled"
    every, at = schedule["every"], schedule["at"]
    if every == "once":
        return f"once, {schedule['date']} {at}"
    day = calendar.day_name[WEEKDAYS.index(schedule["weekday"])]
    if every == "week":
        return f"every {day}, {at}"
    nth = {"1": "first", "2": "second", "3": "third", "4": "fourth", "last": "last"}
    return f"{nth[schedule['nth']]} {day} of each month, {at}"
