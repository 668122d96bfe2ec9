"""The builder's condition rows: (nested) groups as flat posted rows, and groups back to rows.

A section's rows are inputs named `<prefix>_field`, `_op`, `_value`, `_quantifier` and
`_extra` (one of each per row, in page order); a nested group is a row whose field is `(open)`
(its all/any in `_op`), its rows, and a row whose field is `(end)`. Sections: `cond` (the
conditions), `exit` (exit conditions), `if_<key>` (a branch step's condition).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from ecomapp.automation.fields import FIELDS
from ecomapp.automation.schema import FieldError, InvalidAutomation

GROUP = "(group)"  # a segment row holding a whole group as JSON (segments' builder)
OPEN, END = "(open)", "(end)"  # a nested group's first and last row in the automation builder
MODES = ("all", "any")


def new_key() -> str:
    """Return a fresh row key for a row added in the browser."""
    return "n" + secrets.token_hex(4)


def match_name(prefix: str) -> str:
    """Return the name of the all/any select of a condition section's top group."""
    return "match" if prefix == "cond" else f"{prefix}_match"


def group_from_form(form: MultiDict[str, str], prefix: str) -> dict[str, Any]:
    """Return the (nested) condition group a section's rows describe (rows named prefix_*)."""
    mode = form.get(match_name(prefix), "all")
    return {mode if mode in MODES else "all": rows_to_conditions(form, FIELDS, prefix)}


def _json(text: str, path: str) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidAutomation([FieldError(path, f"is not valid JSON ({exc.msg})")]) from exc


def rows_to_conditions(
    form: MultiDict[str, str], fields: Mapping[str, str] = FIELDS, prefix: str = "cond"
) -> list[dict[str, Any]]:
    """Return the conditions a section's posted rows describe, nested groups included."""
    rows = zip(
        form.getlist(f"{prefix}_field"),
        form.getlist(f"{prefix}_op"),
        form.getlist(f"{prefix}_value"),
        form.getlist(f"{prefix}_quantifier"),
        form.getlist(f"{prefix}_extra"),
        strict=False,
    )
    out: list[dict[str, Any]] = []
    stack = [out]
    for i, (field, op, value, quantifier, extra) in enumerate(rows):
        if field == OPEN:
            inner: list[dict[str, Any]] = []
            stack[-1].append({op if op in MODES else "all": inner})
            stack.append(inner)
            continue
        if field == END:
            stack.pop() if len(stack) > 1 else None
            continue
        more = _json(extra, f"conditions.all[{i}]") or {}
        if field == GROUP:
            stack[-1].append(more)
            continue
        cond: dict[str, Any] = {"field": field, "op": op} | more
        if fields.get(field) == "list":
            cond["quantifier"] = quantifier or "any"
        if "ref" not in more and op not in ("is_empty", "is_not_empty", "changed"):
            cond["value"] = _value(op, value)
        stack[-1].append(cond)
    return out


def _value(op: str, text: str) -> Any:
    text = text.strip()
    if op in ("between", "in"):
        return [part.strip() for part in text.split(",") if part.strip()]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def condition_tree(group: dict[str, Any] | None, prefix: str) -> dict[str, Any]:
    """Return what `_condition_group.html` renders for a (nested) group of a builder section."""
    mode, items = next(iter((group or {"all": []}).items()))
    return {"prefix": prefix, "mode": mode, "key": new_key(), "items": [_node(i) for i in items]}


def _node(item: dict[str, Any]) -> dict[str, Any]:
    if "all" in item or "any" in item:
        mode, items = next(iter(item.items()))
        return {"group": True, "mode": mode, "key": new_key(), "items": [_node(i) for i in items]}
    return _row(item)


def _row(item: dict[str, Any]) -> dict[str, Any]:
    extra = {k: item[k] for k in ("ref", "from", "to") if k in item}
    value = item.get("value", "")
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        value = "true" if value else "false"
    return {
        "field": item.get("field", ""),
        "op": item.get("op", ""),
        "value": "" if value is None else value,
        "quantifier": item.get("quantifier", "any"),
        "extra": json.dumps(extra) if extra else "",
        "ref": extra,
    }


def posted_tree(form: MultiDict[str, str], prefix: str) -> dict[str, Any]:
    """Return a section's rows as they were posted (to show a refused form again)."""
    try:
        return condition_tree(group_from_form(form, prefix), prefix)
    except InvalidAutomation:
        return condition_tree(None, prefix)


def row_paths(form: MultiDict[str, str], prefix: str, root: str) -> dict[str, int]:
    """Return the schema path of each posted row of a section, with the row's position.

    `root` is the section's path (`conditions`, `exit_conditions`, `steps[0].if`).
    """
    mode = form.get(match_name(prefix), "all")
    stack, counts, out = [f"{root}.{mode if mode in MODES else 'all'}"], [0], {}
    for nth, (field, op) in enumerate(
        zip(form.getlist(f"{prefix}_field"), form.getlist(f"{prefix}_op"), strict=False)
    ):
        if field == END:
            if len(stack) > 1:
                stack.pop(), counts.pop()
            continue
        here = f"{stack[-1]}[{counts[-1]}]"
        counts[-1] += 1
        out[here] = nth
        if field == OPEN:
            stack.append(f"{here}.{op if op in MODES else 'all'}")
            counts.append(0)
    return out
