"""Why an automation did or did not fire for an event, answered on demand (skips keep no row)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ecomapp.automation.context import load_snapshot
from ecomapp.automation.engine import match
from ecomapp.automation.schema import SCHEDULE_EVENT
from ecomapp.extensions import db
from ecomapp.models import Automation, Event, Run, Store


@dataclass
class Verdict:
    """One automation's answer for one event: its run, or why there is none."""

    automation: Automation
    run: Run | None
    reason: str
    trace: list[dict[str, Any]] = field(default_factory=list)


def explain(store: Store, event: Event) -> list[Verdict]:
    """Return, for every automation this event's type triggers, its run or why it did not fire.

    Conditions are evaluated again on the stored event and the mirror as it is now, as the
    engine would see them for this event at this moment.
    """
    automations = db.session.scalars(
        select(Automation)
        .where(Automation.store_id == store.id, Automation.trigger_key == event.type)
        .order_by(Automation.id)
    ).all()
    if event.type == SCHEDULE_EVENT:
        wanted = int((event.data or {}).get("automation_id", 0))
        automations = [a for a in automations if a.id == wanted]
    runs = {
        run.automation_id: run
        for run in db.session.scalars(
            select(Run).where(Run.store_id == store.id, Run.event_id == event.id)
        )
    }
    snap = load_snapshot(store, event) if automations else {}
    return [_verdict(a, runs.get(a.id), event, snap) for a in automations]


def _verdict(automation: Automation, run: Run | None, event: Event, snap: Any) -> Verdict:
    if run is not None:
        return Verdict(automation, run, f"it fired: run #{run.id} ({run.status})")
    matched, trace = match(automation.definition, snap)
    if automation.enabled_at is None or automation.enabled_at > event.created_at:
        return Verdict(automation, None, "it was switched off when the event arrived", trace)
    if not automation.enabled:
        return Verdict(automation, None, "it is switched off", trace)
    if matched:
        reason = "its conditions hold now, but did not when the event was processed"
        return Verdict(automation, None, reason, trace)
    return Verdict(automation, None, "its conditions did not hold", trace)
