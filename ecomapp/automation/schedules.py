"""Schedule triggers: a periodic job emits one schedule.fired event per slot, in store time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ecomapp.automation.schema import SCHEDULE_EVENT, WEEKDAYS
from ecomapp.events import emit
from ecomapp.extensions import db
from ecomapp.models import Automation, Store
from ecomapp.models.types import as_utc, utcnow


def last_slot(schedule: dict[str, Any], now: datetime, timezone: str) -> datetime:
    """Return the latest slot of a schedule at or before now (aware UTC)."""
    local = now.astimezone(ZoneInfo(timezone or "UTC"))
    hour, minute = (int(p) for p in schedule["at"].split(":"))
    if schedule["every"] == "hour":
        slot = local.replace(minute=minute, second=0, microsecond=0)
        if slot > local:
            slot -= timedelta(hours=1)
    else:
        slot = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if slot > local:
            slot -= timedelta(days=1)
        if schedule["every"] == "week":
            back = (slot.weekday() - WEEKDAYS.index(schedule["weekday"])) % 7
            slot -= timedelta(days=back)
    return as_utc(slot)


def slots_between(
    schedule: dict[str, Any], start: datetime, end: datetime, tz: str
) -> list[datetime]:
    """Return every slot of a schedule in (start, end], oldest first (for backtests)."""
    slots: list[datetime] = []
    cursor = end
    while True:
        slot = last_slot(schedule, cursor, tz)
        if slot <= start:
            return slots[::-1]
        slots.append(slot)
        cursor = slot - timedelta(seconds=1)


def fire_schedules(now: datetime | None = None) -> int:
    """Emit schedule.fired for each enabled schedule whose latest slot has not fired."""
    now = now or utcnow()
    fired = 0
    rows = db.session.execute(
        select(Automation, Store)
        .join(Store, Store.id == Automation.store_id)
        .where(Automation.enabled.is_(True), Automation.trigger_key == SCHEDULE_EVENT)
        .where(Store.uninstalled_at.is_(None))
    ).all()
    for automation, store in rows:
        slot = last_slot(automation.definition["trigger"]["schedule"], now, store.timezone)
        if automation.enabled_at and slot < automation.enabled_at:
            continue
        data = {"automation_id": automation.id, "slot": slot.isoformat()}
        key = f"schedule:{automation.id}:{slot.isoformat()}"
        if emit(store.id, SCHEDULE_EVENT, "store", store.id, data, key, slot):
            fired += 1
    db.session.commit()
    return fired
