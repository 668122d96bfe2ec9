"""Turn the builder form into a definition and back (trigger and conditions; steps: step_forms)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from ecomapp.automation.condition_forms import GROUP, group_from_form, rows_to_conditions
from ecomapp.automation.fields import FIELDS
from ecomapp.automation.schema import SCHEDULE_EVENT
from ecomapp.automation.step_forms import parse_steps


def form_to_definition(
    form: MultiDict[str, str], templates: set[str] | None = None
) -> dict[str, Any]:
    """Return the definition the builder form describes (validation comes after).

    `templates` are the e-mail template keys a changed send_email step may name.
    """
    return {
        "trigger": _trigger(form),
        "conditions": group_from_form(form, "cond"),
        "exit_conditions": group_from_form(form, "exit"),
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


def conditions_from_form(
    form: MultiDict[str, str], fields: Mapping[str, str] = FIELDS
) -> dict[str, Any]:
    """Return the condition group the builder's rows describe (segments pass their fields)."""
    return {form.get("match", "all"): rows_to_conditions(form, fields)}


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
    """Return the trigger to show a refused form again (condition rows: `posted_tree`)."""
    return {"trigger": _trigger(form), "steps": []}
