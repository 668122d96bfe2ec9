"""Validate an automation definition; every error names the field path and the reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ecomapp.automation.fields import (
    CHANGEABLE,
    FIELDS,
    NUMERIC,
    OPERATOR_ALIASES,
    OPERATORS,
    QUANTIFIERS,
    REF_OPS,
    SIDE_OPS,
    ref_types,
)
from ecomapp.automation.registry import ACTIONS as REGISTERED
from ecomapp.event_types import EVENT_TYPES

SCHEMA_VERSION = 1
TRIGGER_EVENTS = EVENT_TYPES
SCHEDULE_EVENT = "schedule.fired"
EVERY = ("hour", "day", "week")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Which objects an event of each family brings into the snapshot.
OBJECTS_BY_FAMILY = {
    "order": {"order", "customer"},
    "customer": {"customer"},
    "cart": {"cart", "customer"},
    "inventory": {"variant", "product"},
    "product": {"product"},
    "schedule": set(),
}
# action -> (object it acts on or None, {param: (type, required)}), from the action registry.
ACTIONS: dict[str, tuple[str | None, dict[str, tuple[str, bool]]]] = {
    action.name: (action.target, {i.name: (i.schema_type, i.required) for i in action.inputs})
    for action in REGISTERED.values()
}
MAX_DEPTH = 4  # condition groups and branches nest at most this deep
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass
class FieldError:
    """One problem: where in the definition, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class InvalidAutomation(ValueError):
    """A definition was refused; `errors` name each field and reason."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def validate(definition: Any) -> dict[str, Any]:
    """Return the normalized definition, or raise InvalidAutomation naming every problem."""
    errors: list[FieldError] = []
    if not isinstance(definition, dict):
        raise InvalidAutomation([FieldError("definition", "must be an object")])
    trigger, family = _trigger(definition.get("trigger"), errors)
    objects = OBJECTS_BY_FAMILY.get(family, set()) | {"event"}
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "trigger": trigger}
    out["conditions"] = _group(definition.get("conditions"), "conditions", objects, errors)
    out["exit_conditions"] = _group(
        definition.get("exit_conditions"), "exit_conditions", objects, errors
    )
    out["steps"] = _steps(definition.get("steps"), objects, errors)
    if definition.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        errors.append(FieldError("schema_version", f"must be {SCHEMA_VERSION}"))
    if errors:
        raise InvalidAutomation(errors)
    return out


def trigger_key(definition: dict[str, Any]) -> str:
    """Return the event type a (valid) definition is triggered by."""
    return str(definition["trigger"].get("event", SCHEDULE_EVENT))


def _trigger(raw: Any, errors: list[FieldError]) -> tuple[dict[str, Any], str]:
    if not isinstance(raw, dict) or not ({"event", "schedule"} & raw.keys()):
        errors.append(FieldError("trigger", "must name an event or a schedule"))
        return {}, ""
    if "event" in raw:
        if raw["event"] not in TRIGGER_EVENTS:
            errors.append(
                FieldError("trigger.event", f"unknown event {raw['event']!r}; one of the canonical")
            )
            return {}, ""
        return {"event": raw["event"]}, raw["event"].split(".")[0]
    return {"schedule": _schedule(raw["schedule"], errors)}, "schedule"


def _schedule(raw: Any, errors: list[FieldError]) -> dict[str, Any]:
    if not isinstance(raw, dict) or raw.get("every") not in EVERY:
        errors.append(FieldError("trigger.schedule.every", f"must be one of {', '.join(EVERY)}"))
        return {}
    out: dict[str, Any] = {"every": raw["every"], "at": str(raw.get("at") or "09:00")}
    if raw["every"] == "hour":
        out["at"] = "00:" + str(raw.get("minute", "00")).zfill(2)
    if not _HHMM.match(out["at"]):
        errors.append(FieldError("trigger.schedule.at", "must be a time HH:MM"))
    if raw["every"] == "week":
        out["weekday"] = raw.get("weekday", "mon")
        if out["weekday"] not in WEEKDAYS:
            errors.append(FieldError("trigger.schedule.weekday", "must be mon … sun"))
    return out


def _group(
    raw: Any, path: str, objects: set[str], errors: list[FieldError], depth: int = 0
) -> dict[str, Any]:
    if raw is None or raw == {}:
        return {"all": []}
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ("all", "any"):
        errors.append(FieldError(path, 'must be {"all": [...]} or {"any": [...]}'))
        return {"all": []}
    mode, items = next(iter(raw.items()))
    if not isinstance(items, list):
        errors.append(FieldError(f"{path}.{mode}", "must be a list"))
        return {mode: []}
    out = []
    for i, item in enumerate(items):
        here = f"{path}.{mode}[{i}]"
        if isinstance(item, dict) and ({"all", "any"} & item.keys()):
            if depth + 1 >= MAX_DEPTH:
                errors.append(FieldError(here, f"groups nest at most {MAX_DEPTH} deep"))
                continue
            if not next(iter(item.values()), None):
                errors.append(FieldError(here, "a group needs at least one condition"))
                continue
            out.append(_group(item, here, objects, errors, depth + 1))
        else:
            out.append(_condition(item, here, objects, errors))
    return {mode: out}


def _condition(raw: Any, path: str, objects: set[str], errors: list[FieldError]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        errors.append(FieldError(path, "must be an object with field, op and value"))
        return {}
    field, op = raw.get("field"), OPERATOR_ALIASES.get(raw.get("op", ""), raw.get("op"))
    if field not in FIELDS:
        errors.append(FieldError(f"{path}.field", f"unknown field {field!r}"))
        return {}
    if field.split(".")[0] not in objects:
        errors.append(FieldError(f"{path}.field", f"{field} is not available for this trigger"))
        return {}
    ftype = FIELDS[field]
    if op not in OPERATORS or ftype not in OPERATORS[op]:
        errors.append(FieldError(f"{path}.op", f"operator {op!r} does not apply to {field}"))
        return {}
    out: dict[str, Any] = {"field": field, "op": op}
    if ftype == "list":
        out["quantifier"] = raw.get("quantifier", "any")
        if out["quantifier"] not in QUANTIFIERS:
            errors.append(FieldError(f"{path}.quantifier", "must be any, all or none"))
    if "ref" in raw and op != "changed":
        if op not in REF_OPS:
            errors.append(FieldError(f"{path}.op", f"{op} cannot compare with another field"))
        return out | {"ref": _ref(raw["ref"], ftype, op, f"{path}.ref", objects, errors)}
    return out | _operand(raw, field, ftype, op, path, errors, objects)


def _ref(
    raw: Any, ftype: str, op: str, path: str, objects: set[str], errors: list[FieldError]
) -> str:
    """Check the field a condition compares with: known, of this trigger, of a fitting type."""
    if raw not in FIELDS:
        errors.append(FieldError(path, f"unknown field {raw!r}"))
    elif raw.split(".")[0] not in objects:
        errors.append(FieldError(path, f"{raw} is not available for this trigger"))
    elif FIELDS[raw] not in ref_types(ftype, op):
        errors.append(FieldError(path, f"{raw} cannot be compared with a {ftype} field by {op}"))
    return str(raw)


def _operand(
    raw: dict[str, Any],
    field: str,
    ftype: str,
    op: str,
    path: str,
    errors: list[FieldError],
    objects: set[str] | None = None,
) -> dict[str, Any]:
    if op in ("is_empty", "is_not_empty"):
        return {}
    if op == "changed":
        return _changed(raw, field, ftype, path, objects or set(), errors)
    value = raw.get("value")
    if op == "between":
        pair = value if isinstance(value, list) else []
        ok = len(pair) == 2 and all(_num(v) for v in pair)
        if not ok or Decimal(str(pair[0])) > Decimal(str(pair[1])):
            errors.append(
                FieldError(f"{path}.value", "between needs [low, high] numbers, low ≤ high")
            )
        return {"value": value}
    if op == "in":
        if not isinstance(value, list) or not value:
            errors.append(FieldError(f"{path}.value", "in needs a non-empty list"))
        return {"value": value}
    return {"value": _scalar(value, ftype, f"{path}.value", errors)}


def _changed(
    raw: dict[str, Any],
    field: str,
    ftype: str,
    path: str,
    objects: set[str],
    errors: list[FieldError],
) -> dict[str, Any]:
    if field not in CHANGEABLE:
        errors.append(FieldError(f"{path}.op", f"events do not carry a previous {field}"))
        return {}
    out: dict[str, Any] = {}
    for side in ("from", "to"):
        if side not in raw:
            continue
        sub = raw[side] if isinstance(raw[side], dict) else {"op": "=", "value": raw[side]}
        sub_op = OPERATOR_ALIASES.get(sub.get("op", "="), sub.get("op", "="))
        if sub_op not in SIDE_OPS:
            errors.append(FieldError(f"{path}.{side}.op", f"unsupported operator {sub_op!r}"))
            continue
        if "ref" in sub:
            ref = _ref(sub["ref"], ftype, sub_op, f"{path}.{side}.ref", objects, errors)
            out[side] = {"op": sub_op, "ref": ref}
        else:
            value = _scalar(sub.get("value"), ftype, f"{path}.{side}.value", errors)
            out[side] = {"op": sub_op, "value": value}
    return out


def _num(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return False
    return number.is_finite()  # NaN and Infinity parse, but are not amounts


def _scalar(value: Any, ftype: str, path: str, errors: list[FieldError]) -> Any:
    if ftype in NUMERIC:
        if not _num(value):
            errors.append(FieldError(path, f"must be a number, got {value!r}"))
        return value
    if ftype == "bool":
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
            return value.lower() in ("true", "yes")
        if not isinstance(value, bool):
            errors.append(FieldError(path, "must be true or false"))
        return value
    if value is None or value == "":
        errors.append(FieldError(path, "must not be empty"))
    return value


def _steps(raw: Any, objects: set[str], errors: list[FieldError]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        errors.append(FieldError("steps", "needs at least one step"))
        return []
    out = _step_list(raw, "steps", objects, errors, 0)
    if out and not _has_action(out):
        errors.append(FieldError("steps", "needs at least one action"))
    return out


def _step_list(
    raw: list[Any], path: str, objects: set[str], errors: list[FieldError], depth: int
) -> list[dict[str, Any]]:
    out = []
    for i, step in enumerate(raw):
        here = f"{path}[{i}]"
        kind = step.get("type") if isinstance(step, dict) else None
        if kind == "wait":
            out.append(_wait(step, here, errors))
        elif kind == "action":
            out.append(_action(step, here, objects, errors))
        elif kind == "branch":
            out.append(_branch(step, here, objects, errors, depth))
        else:
            errors.append(FieldError(f"{here}.type", "must be action, wait or branch"))
    return out


def _branch(
    step: dict[str, Any], path: str, objects: set[str], errors: list[FieldError], depth: int
) -> dict[str, Any]:
    """Validate an if/else step: a condition group and a then and an else list of steps."""
    if depth >= MAX_DEPTH:
        errors.append(FieldError(path, f"branches nest at most {MAX_DEPTH} deep"))
        return {"type": "branch", "if": {"all": []}, "then": [], "else": []}
    condition = _group(step.get("if"), f"{path}.if", objects, errors)
    if not next(iter(condition.values()), []):
        errors.append(FieldError(f"{path}.if", "a branch needs at least one condition"))
    out: dict[str, Any] = {"type": "branch", "if": condition}
    for side in ("then", "else"):
        items = step.get(side) or []
        if not isinstance(items, list):
            errors.append(FieldError(f"{path}.{side}", "must be a list of steps"))
            items = []
        out[side] = _step_list(items, f"{path}.{side}", objects, errors, depth + 1)
    if not out["then"] and not out["else"]:
        errors.append(FieldError(f"{path}.then", "a branch needs a step in then or else"))
    return out


def _has_action(steps: list[dict[str, Any]]) -> bool:
    for step in steps:
        if step.get("type") == "action":
            return True
        if step.get("type") == "branch" and _has_action(step["then"] + step["else"]):
            return True
    return False


def _wait(step: dict[str, Any], path: str, errors: list[FieldError]) -> dict[str, Any]:
    if "until" in step:
        until = str(step["until"])
        if not _HHMM.match(until):
            errors.append(FieldError(f"{path}.until", "must be a time of day HH:MM"))
        return {"type": "wait", "until": until}
    out: dict[str, Any] = {"type": "wait"}
    for unit in ("days", "hours", "minutes"):
        value = step.get(unit)
        if value in (None, "", 0):
            continue
        if not _num(value) or float(value) < 0:
            errors.append(FieldError(f"{path}.{unit}", "must be a positive number"))
            continue
        out[unit] = float(value)
    if len(out) == 1:
        errors.append(FieldError(path, "a wait needs days, hours, minutes or until"))
    return out


def _action(
    step: dict[str, Any], path: str, objects: set[str], errors: list[FieldError]
) -> dict[str, Any]:
    name = step.get("action")
    if name not in ACTIONS:
        errors.append(FieldError(f"{path}.action", f"unknown action {name!r}"))
        return {"type": "action", "action": name, "params": {}}
    target, spec = ACTIONS[name]
    if target and target not in objects:
        errors.append(
            FieldError(f"{path}.action", f"{name} needs a {target}; this trigger has none")
        )
    params = step.get("params") or {}
    if not isinstance(params, dict):
        errors.append(FieldError(f"{path}.params", "must be an object"))
        params = {}
    out = {}
    for key, value in params.items():
        if key not in spec:
            errors.append(FieldError(f"{path}.params.{key}", f"{name} has no parameter {key}"))
            continue
        out[key] = _param(value, spec[key][0], f"{path}.params.{key}", errors)
    for key, (_, required) in spec.items():
        if required and out.get(key) in (None, "", []):
            errors.append(FieldError(f"{path}.params.{key}", "is required"))
    _action_rules(name, out, path, errors)
    return {"type": "action", "action": name, "params": out}


def _param(value: Any, ptype: str, path: str, errors: list[FieldError]) -> Any:
    if ptype == "tags":
        tags = value.split(",") if isinstance(value, str) else value
        if not isinstance(tags, list):
            errors.append(FieldError(path, "must be a list of texts"))
            return []
        return [str(t).strip() for t in tags if str(t).strip()]
    if ptype in ("money", "number"):
        if not _num(value):
            errors.append(FieldError(path, "must be a number"))
        return value
    choices = {"risk": ("low", "medium", "high"), "channel": ("email", "webhook")}
    choices["kind"] = ("transactional", "marketing", "cart_reminder")
    if ptype in choices and value not in choices[ptype]:
        errors.append(FieldError(path, f"must be one of {', '.join(choices[ptype])}"))
    if ptype == "url" and not re.match(r"^https?://[^\s/]+", str(value or "")):
        errors.append(FieldError(path, "must be an http(s) URL"))
    if ptype == "ranges":
        return _ranges(value, path, errors)
    return value


def _ranges(value: Any, path: str, errors: list[FieldError]) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        errors.append(FieldError(path, "needs a list of {min, max, group}"))
        return []
    out = []
    for i, item in enumerate(value):
        here = f"{path}[{i}]"
        if not isinstance(item, dict) or not str(item.get("group") or "").strip():
            errors.append(FieldError(f"{here}.group", "is required"))
            continue
        low, high = item.get("min", 0), item.get("max")
        if not _num(low) or (high not in (None, "") and not _num(high)):
            errors.append(FieldError(here, "min and max must be numbers"))
            continue
        if high not in (None, "") and Decimal(str(low)) >= Decimal(str(high)):
            errors.append(FieldError(f"{here}.max", "must be above min"))
        out.append(
            {"min": low, "max": None if high in (None, "") else high, "group": item["group"]}
        )
    return out


def _action_rules(name: str, params: dict[str, Any], path: str, errors: list[FieldError]) -> None:
    if name == "notify_merchant" and params.get("channel") == "webhook" and not params.get("url"):
        errors.append(FieldError(f"{path}.params.url", "is required for a webhook"))
    if name == "create_discount" and not (params.get("percent_off") or params.get("amount_off")):
        errors.append(FieldError(f"{path}.params.percent_off", "percent_off or amount_off needed"))
    percent = params.get("percent_off")
    if name == "create_discount" and _num(percent) and not 0 < Decimal(str(percent)) <= 100:
        errors.append(FieldError(f"{path}.params.percent_off", "must be between 0 and 100"))
