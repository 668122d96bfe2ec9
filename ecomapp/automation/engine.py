"""The engine core: check conditions, then walk the steps with waits and exit checks.

Pure of Flask and of persistence: callers pass a snapshot loader, an effect layer, the clock
and a recorder, so the same code runs live, in a dry run and in a backtest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ecomapp.automation.branches import follow, program
from ecomapp.automation.conditions import Snapshot, evaluate, holds_any
from ecomapp.automation.effects import Effects, NoTarget, StepContext

Recorder = Callable[[int, str, str, dict[str, Any]], None]


@dataclass
class RunState:
    """Where a run is: next step, wake time, outputs and status."""

    status: str = "running"
    next_step: int = 0
    wake_at: datetime | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


def match(definition: dict[str, Any], snap: Snapshot) -> tuple[bool, list[dict[str, Any]]]:
    """Return whether the definition's conditions hold for a snapshot, with the trace."""
    return evaluate(definition["conditions"], snap)


def wake_time(step: dict[str, Any], now: datetime, timezone: str) -> datetime:
    """Return when a wait step that starts now ends (until HH:MM is in the store's zone)."""
    if "until" in step:
        hour, minute = (int(p) for p in step["until"].split(":"))
        local = now.astimezone(ZoneInfo(timezone or "UTC"))
        target = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if target <= local:
            target += timedelta(days=1)
        return target.astimezone(now.tzinfo)
    return now + timedelta(
        days=step.get("days", 0), hours=step.get("hours", 0), minutes=step.get("minutes", 0)
    )


def advance(
    definition: dict[str, Any],
    state: RunState,
    load: Callable[[], Snapshot],
    effects: Effects,
    context: Callable[[int, Snapshot], StepContext],
    now: datetime,
    timezone: str,
    record: Recorder,
    exits: Callable[[Snapshot], bool] | None = None,
) -> RunState:
    """Run steps from state.next_step until a wait, an exit, the end, or an error (raised).

    `exits` is the exit group compiled (see `compiled.compile_exit`): the trace is then built
    only when an exit condition holds.
    """
    steps = program(definition)
    while state.next_step < len(steps):
        index, step = state.next_step, steps[state.next_step]
        if step["type"] == "jump":  # the end of a then path: past the else path
            state.next_step = step["to"]
            continue
        snap = load()
        exited: bool | None
        trace: list[dict[str, Any]] | None
        exited, trace = (False, []) if exits and not exits(snap) else (None, None)
        if exited is None:
            exited, trace = holds_any(definition["exit_conditions"], snap)
        if exited:
            record(index, "exit", "exited", {"trace": trace})
            state.status = "exited"
            return state
        if step["type"] == "branch":
            target, detail = follow(step, index, snap)
            state.next_step = target - 1  # a recorder persists next_step + 1 for a done step
            record(index, "branch", "done", detail)
            state.next_step = target
            continue
        if step["type"] == "wait":
            if _waiting(state, step, now, timezone, index, record):
                return state
            continue
        ctx = context(index, snap)
        ctx.outputs = state.outputs
        try:
            result = effects.apply(ctx, step["action"], step["params"])
        except NoTarget as exc:  # a guest's order: the customer step is skipped, with why
            record(index, step["action"], "skipped", {"skipped": str(exc)})
        else:
            record(index, step["action"], "done", {"result": result})
        state.next_step += 1
    state.status = "done"
    return state


def _waiting(
    state: RunState, step: dict[str, Any], now: datetime, tz: str, index: int, record: Recorder
) -> bool:
    if state.wake_at is None:
        state.wake_at = wake_time(step, now, tz)
    if state.wake_at > now:
        state.status = "waiting"
        record(index, "wait", "waiting", {"until": state.wake_at.isoformat()})
        return True
    record(index, "wait", "done", {"until": state.wake_at.isoformat()})
    state.wake_at = None
    state.next_step += 1
    return False
