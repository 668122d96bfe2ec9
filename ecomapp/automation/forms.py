"""Turn the builder form into a definition and back (trigger and conditions; steps: step_forms)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from ecomapp.automation.fields import FIELDS
from ecomapp.automation.schema import SCHEDULE_EVENT, FieldError, InvalidAutomation
from ecomapp.automation.step_forms import parse_steps

GROUP = "(group)"


def form_to_definition(
    form: MultiDict[str, str], templates: set[str] | None = None
) -> dict[str, Any]:
    """Return the definition the builder form describes (validation comes after).

    `templates` are the e-mail template keys a changed send_email step may name.
    """
    return {
        "trigger": _trigger(form),
        "conditions": {form.get("match", "all"): _conditions(form)},
        "exit_conditions": _json(form.get("exit_json", ""), "exit_conditions") or {"all": []},
        "steps": parse_steps(form, templates),
    }


def _trigger(form: MultiDict[str, str]) -> dict[str, Any]:
    event = form.get("trigger_event", "")
    if event != SCHEDULE_EVENT:
        return {"event": event}
    schedule = {"every": form.get("schedule_every", "day"), "at": form.get("schedule_at", "09:00")}
    if schedule["every"] == "week":
        schedule["weekday"] = form.get("schedule_weekday", "mon")
    return {"schedule": schedule}


def _json(text: str, path: str) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidAutomation([FieldError(path, f"is not valid JSON ({exc.msg})")]) from exc


def conditions_from_form(
    form: MultiDict[str, str], fields: Mapping[str, str] = FIELDS
) -> dict[str, Any]:
    """Return the condition group the builder's rows describe (segments pass their fields)."""
    return {form.get("match", "all"): _conditions(form, fields)}


def _conditions(
    form: MultiDict[str, str], fields: Mapping[str, str] = FIELDS
) -> list[dict[str, Any]]:
    rows = zip(
        form.getlist("cond_field"),
        form.getlist("cond_op"),
        form.getlist("cond_value"),
        form.getlist("cond_quantifier"),
        form.getlist("cond_extra"),
        strict=False,
    )
    out = []
    for i, (field, op, value, quantifier, extra) in enumerate(rows):
        more = _json(extra, f"conditions.all[{i}]") or {}
        if field == GROUP:
            out.append(more)
            continue
        cond: dict[str, Any] = {"field": field, "op": op} | more
        if fields.get(field) == "list":
            cond["quantifier"] = quantifier or "any"
        if "ref" not in more and op not in ("is_empty", "is_not_empty", "changed"):
            cond["value"] = _value(op, value)
        out.append(cond)
    return out


def _value(op: str, text: str) -> Any:
    text = text.strip()
    if op in ("between", "in"):
        return [part.strip() for part in text.split(",") if part.strip()]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def condition_rows(definition: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Return the match mode and the rows the builder shows for a definition's conditions."""
    group = definition.get("conditions") or {"all": []}
    mode, items = next(iter(group.items()))
    rows = []
    for item in items:
        if "all" in item or "any" in item:
            rows.append({"field": GROUP, "op": "", "value": "", "extra": json.dumps(item)})
            continue
        extra = {k: item[k] for k in ("ref", "from", "to") if k in item}
        value = item.get("value", "")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append(
            {
                "field": item["field"],
                "op": item["op"],
                "value": value,
                "quantifier": item.get("quantifier", "any"),
                "extra": json.dumps(extra) if extra else "",
            }
        )
    return mode, rows


def draft_definition(form: MultiDict[str, str]) -> dict[str, Any]:
    """Return the trigger and whatever conditions parse, to show a refused form again."""
    draft: dict[str, Any] = {"trigger": _trigger(form), "steps": []}
    try:
        draft["conditions"] = {form.get("match", "all"): _conditions(form)}
    except InvalidAutomation:
        draft["conditions"] = {"all": []}
    try:
        draft["exit_conditions"] = _json(form.get("exit_json", ""), "exit_conditions")
    except InvalidAutomation:
        draft["exit_conditions"] = None
    return draft
