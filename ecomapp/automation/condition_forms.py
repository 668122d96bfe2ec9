"""The builder's condition rows: (nested) groups as flat posted rows, and groups back to rows.

A section's rows are inputs named `<prefix>_field`, `_op`, `_value`, `_quantifier` and `_key`
(one of each per row, in page order); a nested group is a row whose field is `(open)` (its
all/any in `_op`), its rows, and a row whose field is `(end)`. A row compared with another field
names it in `<prefix>_ref_<key>` (with `<prefix>_cmp_<key>` = `field`); a `changed` row's sides
are `<prefix>_from_op_<key>`, `_from_cmp_`, `_from_value_`, `_from_ref_` (and `to`). Sections:
`cond` (the conditions), `exit` (exit conditions), `if_<key>` (a branch step's condition). The
segments' builder also posts `_extra`: a whole nested group as JSON on a `(group)` row.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from ecomapp.automation.fields import FIELDS, NUMERIC, REF_OPS, ref_choices
from ecomapp.automation.schema import OBJECTS_BY_FAMILY, FieldError, InvalidAutomation

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
    names = ("field", "op", "value", "quantifier", "extra", "key")
    row_fields = form.getlist(f"{prefix}_field")
    lists = [_padded(form.getlist(f"{prefix}_{name}"), len(row_fields)) for name in names[1:]]
    out: list[dict[str, Any]] = []
    stack = [out]
    for i, (field, op, value, quantifier, extra, key) in enumerate(
        zip(row_fields, *lists, strict=True)
    ):
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
        stack[-1].append(cond | _operand(form, f"{prefix}_{{}}_{key}", cond, value, fields))
    return out


def _padded(values: list[str], length: int) -> list[str]:
    """Return a posted list as long as the rows (a builder without that input posts none)."""
    return (values + [""] * length)[:length]


def _operand(
    form: MultiDict[str, str],
    name: str,
    cond: dict[str, Any],
    value: str,
    fields: Mapping[str, str],
) -> dict[str, Any]:
    """Return what a row compares with: a value, another field (`ref`), or changed's sides.

    `name` is the row's keyed input name with `{}` for the part (`cond_{}_n1a2b3c4`).
    """
    op = cond["op"]
    if "ref" in cond or op in ("is_empty", "is_not_empty"):
        return {}
    if op == "changed":
        sides = {s: _side(form, name, s, fields.get(cond["field"], "")) for s in ("from", "to")}
        return {s: sub for s, sub in sides.items() if sub}
    if op in REF_OPS and form.get(name.format("cmp")) == "field":
        return {"ref": form.get(name.format("ref"), "")}
    return {"value": _value(op, value)}


def _side(form: MultiDict[str, str], name: str, side: str, ftype: str) -> dict[str, Any] | None:
    """Return one side (from/to) of a `changed` row, or None when it compares nothing."""
    op = form.get(name.format(f"{side}_op"), "")
    if not op:
        return None
    if form.get(name.format(f"{side}_cmp")) == "field":
        return {"op": op, "ref": form.get(name.format(f"{side}_ref"), "")}
    text = form.get(name.format(f"{side}_value"), "").strip()
    if ftype in NUMERIC and text.lstrip("-").isdigit():
        return {"op": op, "value": int(text)}  # whole numbers as JSON numbers, as recipes write
    return {"op": op, "value": _value(op, text)}


def ref_options(field: str, op: str, trigger: str = "", chosen: str = "") -> list[str]:
    """Return the fields a row may compare with under this trigger (the chosen one kept)."""
    family = trigger.split(".")[0]
    objects = OBJECTS_BY_FAMILY[family] | {"event"} if family in OBJECTS_BY_FAMILY else None
    out = ref_choices(field, op, objects)
    return [*out, chosen] if chosen and chosen not in out else out


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
    """Return what `_condition_row.html` renders for one condition."""
    row = {
        "key": new_key(),
        "field": item.get("field", ""),
        "op": item.get("op", ""),
        "quantifier": item.get("quantifier", "any"),
    }
    return row | _shown_operand(item) | {s: _shown_operand(item.get(s)) for s in ("from", "to")}


def _shown_operand(item: dict[str, Any] | None) -> dict[str, Any]:
    """Return a comparison's op, its `cmp` (value or field), its value as text and its ref."""
    if not item:
        return {"op": "", "cmp": "value", "value": "", "ref": ""}
    value = item.get("value", "")
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        value = "true" if value else "false"
    return {
        "op": item.get("op", ""),
        "cmp": "field" if "ref" in item else "value",
        "value": "" if value is None else value,
        "ref": item.get("ref", ""),
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


def blank_row() -> dict[str, Any]:
    """Return a new condition row (order total above a value) for the builder to add."""
    return _row({"field": "order.total_price", "op": ">", "value": ""})


def asked_row(args: MultiDict[str, str], prefix: str, key: str) -> dict[str, Any]:
    """Return a row as its inputs stand in the browser (to render its operand afresh)."""
    name = f"{prefix}_{{}}_{key}"
    row: dict[str, Any] = {"key": key, "field": args.get(f"{prefix}_field", "")}
    row["op"] = args.get(f"{prefix}_op", "")
    row |= _asked(args, name.format("cmp"), name.format("ref"), row["op"])
    row["value"] = args.get(f"{prefix}_value", "")
    for side in ("from", "to"):
        op = args.get(name.format(f"{side}_op"), "")
        row[side] = _asked(args, name.format(f"{side}_cmp"), name.format(f"{side}_ref"), op)
        row[side]["value"] = args.get(name.format(f"{side}_value"), "")
    return row


def _asked(args: MultiDict[str, str], cmp: str, ref: str, op: str) -> dict[str, Any]:
    return {"op": op, "cmp": args.get(cmp, "value"), "ref": args.get(ref, "")}


def row_keys(form: MultiDict[str, str], prefix: str) -> list[str]:
    """Return each posted row's key of a section, in page order ("" for group rows)."""
    return _padded(form.getlist(f"{prefix}_key"), len(form.getlist(f"{prefix}_field")))
