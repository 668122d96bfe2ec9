"""Map the schema's error paths back to the builder's inputs and their merchant-facing labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ecomapp.automation.schema import FieldError
from ecomapp.automation.step_inputs import ACTION_INPUTS

_STEP = re.compile(r"^steps\[(\d+)\](?:\.(\w+))?(?:\.(\w+))?")
_CONDITION = re.compile(r"^conditions\.(?:all|any)\[(\d+)\](?:\.(field|op|value|quantifier)\b)?")
_TRIGGER = {
    "trigger": "trigger_event",
    "trigger.event": "trigger_event",
    "trigger.schedule.every": "schedule_every",
    "trigger.schedule.at": "schedule_at",
    "trigger.schedule.weekday": "schedule_weekday",
}
_WAIT_PARTS = {"wait", "until", "days", "hours", "minutes"}


@dataclass(frozen=True)
class ShownError:
    """An error as the builder shows it: the schema path, a label and the input to mark."""

    path: str
    reason: str
    label: str = ""
    input: str = ""  # the form input's name ("" when no single input holds the value)
    nth: int = 0  # which of the inputs with that name (condition rows share names)


def describe(errors: list[FieldError], rows: list[dict[str, Any]]) -> list[ShownError]:
    """Return each error with the label and input name of the builder field it is about."""
    return [_describe(e, rows) for e in errors]


def _describe(error: FieldError, rows: list[dict[str, Any]]) -> ShownError:
    path, reason = error.path, error.reason
    if path in _TRIGGER:
        return ShownError(path, reason, "Trigger", _TRIGGER[path])
    if path.startswith("exit_conditions"):
        return ShownError(path, reason, "Stop when", "exit_json")
    found = _CONDITION.match(path)
    if found:
        index, part = int(found.group(1)), found.group(2) or "field"
        return ShownError(path, reason, f"Condition {index + 1} · {part}", f"cond_{part}", index)
    found = _STEP.match(path)
    if found and int(found.group(1)) < len(rows):
        return _step(error, rows[int(found.group(1))], int(found.group(1)), found.groups()[1:])
    return ShownError(path, reason, "Steps" if path.startswith("steps") else "")


def _step(
    error: FieldError, row: dict[str, Any], index: int, parts: tuple[str | None, ...]
) -> ShownError:
    key, label = row["key"], f"Step {index + 1}"
    part, name = parts
    if row["type"] == "wait" and (part is None or part in _WAIT_PARTS):
        return ShownError(error.path, error.reason, f"{label} · wait", f"step_wait_{key}")
    if part == "action":
        return ShownError(error.path, error.reason, f"{label} · action", f"step_action_{key}")
    if part == "params" and row.get("advanced", "").strip():
        return ShownError(error.path, error.reason, f"{label} · JSON", f"step_json_{key}")
    inputs = {inp.name: inp for inp in ACTION_INPUTS.get(row["action"], ())}
    if part == "params" and name in inputs:
        field = f"{label} · {inputs[name].label}"
        return ShownError(error.path, error.reason, field, f"step_param_{key}_{name}")
    return ShownError(error.path, error.reason, label)
