"""The builder's step rows: typed parameter inputs to step JSON, and definitions back to rows.

Each row carries a key (`step_key`) and a kind (`step_type`); its inputs are named
`step_action_<key>`, `step_wait_<key>`, `step_param_<key>_<param>` and `step_orig_<key>` (the
stored action and params: an input whose text is unchanged keeps its stored value exactly, so
re-saving an untouched automation changes nothing). An if/else step is a `branch` row (its
condition rows are the `if_<key>` section), its then rows, an `else` row, its else rows and an
`end` row, all with the branch's key: nesting without JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import count
from typing import Any

from werkzeug.datastructures import MultiDict

from ecomapp.automation.condition_forms import condition_tree, group_from_form, posted_tree
from ecomapp.automation.schema import FieldError, InvalidAutomation
from ecomapp.automation.step_inputs import (
    ACTION_INPUTS,
    BadInput,
    field_text,
    is_required,
    normalize,
    to_value,
)

DEFAULT_ACTION = "tag_customer"
_KEY = re.compile(r"^[A-Za-z0-9]{1,16}$")
_WAIT = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[dhm]\s*)+$")
_WAIT_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
Choices = list[tuple[str, str]]


def row_key(text: str | None) -> str | None:
    """Return a posted row key when it is well-formed, else None."""
    return text if text and _KEY.match(text) else None


def parse_steps(
    form: MultiDict[str, str], templates: set[str] | None = None
) -> list[dict[str, Any]]:
    """Return the steps the posted rows describe; raise InvalidAutomation naming bad inputs."""
    errors: list[FieldError] = []
    top: list[dict[str, Any]] = []
    lists: list[list[dict[str, Any]]] = [top]
    branches: list[dict[str, Any]] = [{}]
    for key, kind, path in walk_rows(form):
        if kind in ("else", "end"):
            _close(kind, lists, branches)
        elif row_key(key) is None:
            errors.append(FieldError(path, "reload the builder: this row has no key"))
        elif kind == "wait":
            lists[-1].append(_wait(form.get(f"step_wait_{key}", ""), path, errors))
        elif kind == "branch":
            step = {"type": "branch", "if": group_from_form(form, f"if_{key}")}
            lists[-1].append(step | {"then": [], "else": []})
            branches.append(lists[-1][-1])
            lists.append(branches[-1]["then"])
        else:
            lists[-1].append(_action(form, key, path, templates, errors))
    if errors:
        raise InvalidAutomation(errors)
    return top


def _close(kind: str, lists: list[list[dict[str, Any]]], branches: list[dict[str, Any]]) -> None:
    if len(lists) == 1:
        return
    if kind == "else":
        lists[-1] = branches[-1]["else"]
    else:
        lists.pop(), branches.pop()


def _rows(form: MultiDict[str, str]) -> list[tuple[str, str]]:
    getlist = form.getlist
    return list(zip(getlist("step_key"), getlist("step_type"), strict=False))


def walk_rows(form: MultiDict[str, str]) -> Iterator[tuple[str, str, str]]:
    """Yield each posted step row's key, kind and schema path (`steps[1].then[0]`)."""
    frames: list[list[Any]] = [["steps", 0, ""]]  # the list's path, its rows so far, its branch
    for key, kind in _rows(form):
        frame = frames[-1]
        if kind in ("else", "end"):
            if len(frames) > 1 and kind == "else":
                frames[-1] = [f"{frame[2]}.else", 0, frame[2]]
            elif len(frames) > 1:
                frames.pop()
            yield key, kind, ""
            continue
        path = f"{frame[0]}[{frame[1]}]"
        frame[1] += 1
        yield key, kind, path
        if kind == "branch":
            frames.append([f"{path}.then", 0, path])


def _wait(text: str, path: str, errors: list[FieldError]) -> dict[str, Any]:
    text = text.strip()
    if re.match(r"^\d{1,2}:\d{2}$", text):
        return {"type": "wait", "until": text.zfill(5)}
    if not _WAIT.match(text):
        errors.append(FieldError(f"{path}.wait", "write a duration like 30d, 2h, 45m or 09:00"))
        return {"type": "wait"}
    step: dict[str, Any] = {"type": "wait"}
    for number, unit in _WAIT_PART.findall(text):
        step[_UNITS[unit]] = step.get(_UNITS[unit], 0.0) + float(number)
    return step


def _action(
    form: MultiDict[str, str],
    key: str,
    path: str,
    templates: set[str] | None,
    errors: list[FieldError],
) -> dict[str, Any]:
    action = form.get(f"step_action_{key}", "")
    orig = stored_params(form.get(f"step_orig_{key}", ""), action)
    params: dict[str, Any] = {}
    for inp in ACTION_INPUTS.get(action, ()):
        text = normalize(form.get(f"step_param_{key}_{inp.name}", ""))
        if inp.name in orig and normalize(field_text(inp, orig[inp.name])) == text:
            params[inp.name] = orig[inp.name]
        elif text and not (text == inp.default and inp.name not in orig):
            try:
                params[inp.name] = to_value(inp, text, templates)
            except BadInput as exc:
                errors.append(FieldError(f"{path}.params.{inp.name}{exc.suffix}", exc.reason))
    return {"type": "action", "action": action, "params": params}


def stored_params(text: str, action: str) -> dict[str, Any]:
    """Return the params a row was loaded with, when it still shows the same action."""
    try:
        orig = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}
    if not isinstance(orig, dict) or orig.get("action") != action:
        return {}
    params = orig.get("params")
    return params if isinstance(params, dict) else {}


def rows_from_definition(definition: dict[str, Any], templates: Choices) -> list[dict[str, Any]]:
    """Return the rows the builder shows for a definition's steps (branches hold their rows)."""
    return _tree(definition.get("steps") or [], templates, count())


def _tree(steps: list[dict[str, Any]], templates: Choices, keys: Iterator[int]) -> list[Any]:
    rows = []
    for step in steps:
        key = f"s{next(keys)}"
        if step.get("type") == "wait":
            rows.append(make_row(key, "wait", wait=wait_text(step), templates=templates))
        elif step.get("type") == "branch":
            row = make_row(key, "branch", templates=templates)
            row["cond"] = condition_tree(step.get("if"), f"if_{key}")
            row["then"] = _tree(step.get("then") or [], templates, keys)
            row["else"] = _tree(step.get("else") or [], templates, keys)
            rows.append(row)
        else:
            action, params = step.get("action", ""), step.get("params") or {}
            values = {inp.name: field_text(inp, params.get(inp.name)) for inp in _inputs(action)}
            orig = json.dumps({"action": action, "params": params})
            rows.append(make_row(key, "action", action, values, orig, templates=templates))
    return rows


def rows_from_form(form: MultiDict[str, str], templates: Choices) -> list[dict[str, Any]]:
    """Return the posted rows as they were typed (to show a refused form again)."""
    top: list[dict[str, Any]] = []
    lists: list[list[dict[str, Any]]] = [top]
    branches: list[dict[str, Any]] = [{}]
    for key, kind, _ in walk_rows(form):
        if kind in ("else", "end"):
            _close(kind, lists, branches)
            continue
        row = posted_row(form, key, kind, templates)
        lists[-1].append(row)
        if kind == "branch":
            row |= {"cond": posted_tree(form, f"if_{key}"), "then": [], "else": []}
            lists.append(row["then"])
            branches.append(row)
    return top


def rows_by_path(form: MultiDict[str, str], templates: Choices) -> dict[str, dict[str, Any]]:
    """Return each posted step row (as typed) by its schema path, for error messages."""
    return {
        path: posted_row(form, key, kind, templates) for key, kind, path in walk_rows(form) if path
    }


def posted_row(
    form: MultiDict[str, str], key: str, kind: str, templates: Choices
) -> dict[str, Any]:
    """Return one row from posted inputs; inputs the action does not have are dropped."""
    action = form.get(f"step_action_{key}") or DEFAULT_ACTION
    values = {}
    for inp in _inputs(action):
        posted = form.get(f"step_param_{key}_{inp.name}")
        values[inp.name] = inp.default if posted is None else posted
    return make_row(
        key,
        kind if kind in ("wait", "branch") else "action",
        action,
        values,
        form.get(f"step_orig_{key}", ""),
        form.get(f"step_wait_{key}") or "1d",
        templates,
    )


def _inputs(action: str) -> tuple[Any, ...]:
    return ACTION_INPUTS.get(action, ())


def make_row(
    key: str,
    kind: str,
    action: str = DEFAULT_ACTION,
    values: dict[str, str] | None = None,
    orig: str = "",
    wait: str = "",
    templates: Choices | None = None,
) -> dict[str, Any]:
    """Return what `_step_row.html` renders: the row's key, kind, action and typed fields."""
    values = values or {}
    fields = []
    for inp in _inputs(action):
        value = values.get(inp.name, inp.default)
        choices = list(templates or []) if inp.widget == "template" else list(inp.choices)
        if value and choices and value not in {v for v, _ in choices}:
            choices.append((value, f"{value} (not in the list)"))
        fields.append(
            {
                "input": inp,
                "name": f"step_param_{key}_{inp.name}",
                "value": value,
                "required": is_required(action, inp.name),
                "choices": choices,
            }
        )
    return {
        "key": key,
        "type": kind,
        "action": action,
        "wait": wait,
        "fields": fields,
        "orig": orig,
    }


def wait_text(step: dict[str, Any]) -> str:
    """Return a wait step as the builder writes it (30d, 2h, 45m, 09:00)."""
    if "until" in step:
        return str(step["until"])
    parts = []
    for unit, name in (("d", "days"), ("h", "hours"), ("m", "minutes")):
        if step.get(name):
            value = float(step[name])
            parts.append(f"{int(value) if value.is_integer() else value}{unit}")
    return " ".join(parts)
