"""Map the schema's error paths back to the builder's inputs and their merchant-facing labels."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ecomapp.automation.condition_forms import row_keys, row_paths
from ecomapp.automation.messages import translated
from ecomapp.automation.schema import FieldError
from ecomapp.automation.step_forms import rows_by_path, walk_rows
from ecomapp.automation.step_inputs import ACTION_INPUTS
from ecomapp.i18n import N_

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


SECTIONS = {"conditions": N_("Condition"), "exit_conditions": N_("Stop when"), "if": N_("If")}
PARTS = {"field": N_("field"), "op": N_("op"), "value": N_("value"), "quantifier": N_("quantifier")}
PARTS |= {"ref": N_("other field"), "from": N_("from"), "to": N_("to")}


def describe(
    errors: list[FieldError],
    rows: list[dict[str, Any]] | dict[str, dict[str, Any]],
    conditions: dict[str, tuple[str, int, str]] | None = None,
) -> list[ShownError]:
    """Return each error with the label and input name of the builder field it is about.

    `rows` are the step rows (a list: top-level steps only, or by schema path); `conditions`
    gives each condition row's schema path its section prefix, position and row key.
    """
    by_path = rows if isinstance(rows, dict) else {f"steps[{i}]": r for i, r in enumerate(rows)}
    shown = [_describe(e, by_path, conditions or {}) for e in errors]
    return [replace(e, reason=translated(e.reason)) for e in shown]


def describe_form(
    errors: list[FieldError], form: MultiDict[str, str], templates: list[tuple[str, str]]
) -> list[ShownError]:
    """Return each error of a posted builder form pointed at its input (nested rows too)."""
    sections = [("cond", "conditions"), ("exit", "exit_conditions")]
    sections += [
        (f"if_{key}", f"{path}.if") for key, kind, path in walk_rows(form) if kind == "branch"
    ]
    conditions: dict[str, tuple[str, int, str]] = {}
    for prefix, root in sections:
        keys = row_keys(form, prefix)
        conditions |= {p: (prefix, n, keys[n]) for p, n in row_paths(form, prefix, root).items()}
    return describe(errors, rows_by_path(form, templates), conditions)


def _owner(path: str, paths: Iterable[str]) -> str | None:
    """Return the longest of `paths` that `path` is, or lies inside of."""
    found = [p for p in paths if path == p or path.startswith(p + ".")]
    return max(found, key=len) if found else None


def _describe(
    error: FieldError,
    rows: dict[str, dict[str, Any]],
    conditions: dict[str, tuple[str, int, str]],
) -> ShownError:
    path, reason = error.path, error.reason
    if path in _TRIGGER:
        return ShownError(path, reason, _("Trigger"), _TRIGGER[path])
    row_path = _owner(path, conditions)
    if row_path is not None:
        return _condition(error, row_path, conditions[row_path])
    found = _CONDITION.match(path)
    if found:
        index, part = int(found.group(1)), found.group(2) or "field"
        label = f"{_('Condition')} {index + 1} · {_(PARTS[part])}"
        return ShownError(path, reason, label, f"cond_{part}", index)
    step_path = _owner(path, rows)
    if step_path is not None:
        rest = path[len(step_path) :]
        found = re.match(r"^(?:\.(\w+))?(?:\.(\w+))?", rest)
        parts = found.groups() if found else (None, None)
        return _step(error, rows[step_path], step_path, parts)
    return ShownError(path, reason, _("Steps") if path.startswith("steps") else "")


def _condition(error: FieldError, row_path: str, where: tuple[str, int, str]) -> ShownError:
    """Point an error inside a condition row at its input (keyed inputs: ref, from/to sides)."""
    prefix, nth, key = where
    parts = error.path[len(row_path) + 1 :].split(".")
    part = parts[0] if parts[0] in PARTS else "field"
    if part in ("from", "to") and key:
        sub = parts[1] if len(parts) > 1 and parts[1] in ("op", "value", "ref") else "op"
        label = _row_label(row_path, part, sub)
        return ShownError(error.path, error.reason, label, f"{prefix}_{part}_{sub}_{key}")
    if part == "ref" and key:
        label = _row_label(row_path, part)
        return ShownError(error.path, error.reason, label, f"{prefix}_ref_{key}")
    part = part if part in ("field", "op", "value", "quantifier") else "field"
    return ShownError(error.path, error.reason, _row_label(row_path, part), f"{prefix}_{part}", nth)


def _row_label(row_path: str, *parts: str) -> str:
    """Return a condition row's label: its section and position (`Condition 2 > 1 · value`)."""
    named = " · ".join(_(PARTS[part]) for part in parts)
    if ".if." in row_path:
        step, inner = row_path.split(".if.", 1)
        return f"{_step_label(step)} · {_(SECTIONS['if'])} {_numbers(inner)} · {named}"
    head, _sep, inner = row_path.partition(".")
    return f"{_(SECTIONS.get(head, head))} {_numbers(inner)} · {named}"


def _numbers(path: str) -> str:
    return " > ".join(str(int(n) + 1) for n in re.findall(r"\[(\d+)\]", path))


def _step_label(step_path: str) -> str:
    """Return a step's label from its path: `steps[1].then[0]` is `Step 2 > then 1`."""
    parts = re.findall(r"(steps|then|else)\[(\d+)\]", step_path)
    names = {"steps": _("Step"), "then": _("then"), "else": _("else")}
    return " > ".join(f"{names[name]} {int(n) + 1}" for name, n in parts)


def _step(
    error: FieldError, row: dict[str, Any], step_path: str, parts: tuple[str | None, ...]
) -> ShownError:
    key, label = row["key"], _step_label(step_path)
    part, name = parts
    if row["type"] == "wait" and (part is None or part in _WAIT_PARTS):
        return ShownError(error.path, error.reason, f"{label} · {_('wait')}", f"step_wait_{key}")
    if part == "action":
        return ShownError(
            error.path, error.reason, f"{label} · {_('action')}", f"step_action_{key}"
        )
    inputs = {inp.name: inp for inp in ACTION_INPUTS.get(row["action"], ())}
    if part == "params" and name in inputs:
        field = f"{label} · {_(inputs[name].label)}"
        return ShownError(error.path, error.reason, field, f"step_param_{key}_{name}")
    return ShownError(error.path, error.reason, label)
