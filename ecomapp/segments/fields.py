"""The fields segment conditions look at (customer facts and order history), and validation.

Types and operators are the automations' own (`ecomapp.automation.fields`); a segment
condition is an automation condition over these fields instead of an event's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ecomapp.automation.fields import OPERATOR_ALIASES, OPERATORS, QUANTIFIERS
from ecomapp.automation.schema import FieldError, InvalidAutomation, _operand

SEGMENT_FIELDS: dict[str, str] = {
    "customer.orders_count": "number",
    "customer.total_spent": "money",
    "customer.days_since_first_order": "number",
    "customer.days_since_last_order": "number",
    "customer.rfm_group": "text",
    "customer.tags": "tags",
    "customer.country_code": "text",
    "customer.province": "text",
    "customer.city": "text",
    "customer.zip": "text",
    "customer.kind": "text",
    "customer.company": "text",
    "customer.has_account": "bool",
    "customer.accepts_marketing": "bool",
    "customer.email": "text",
    "orders.financial_status": "list",
    "orders.fulfillment_status": "list",
    "orders.status": "list",
    "orders.coupon_code": "list",
    "orders.product_id": "list",
    "orders.product_title": "list",
    "orders.product_type": "list",
    "orders.vendor": "list",
    "signup.source": "text",  # shopify_app_proxy | woocommerce_plugin (confirmed signups)
    "signup.interests": "list",  # the categories picked on the signup form
}
DAYS_FIELDS = {"customer.days_since_first_order", "customer.days_since_last_order"}
RFM_GROUPS = (
    "champions",
    "loyal",
    "active",
    "promising",
    "new",
    "needs_attention",
    "at_risk",
    "almost_lost",
    "previously_loyal",
    "dormant",
    "prospects",
)
MAX_CONDITIONS = 50


def validate_conditions(raw: Any) -> dict[str, Any]:
    """Return the normalized condition group, or raise InvalidAutomation naming each field."""
    errors: list[FieldError] = []
    out = _group(raw, "conditions", errors, depth=0)
    if errors:
        raise InvalidAutomation(errors)
    return out


def _group(raw: Any, path: str, errors: list[FieldError], depth: int) -> dict[str, Any]:
    if raw is None or raw == {}:
        return {"all": []}
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ("all", "any"):
        errors.append(FieldError(path, 'must be {"all": [...]} or {"any": [...]}'))
        return {"all": []}
    mode, items = next(iter(raw.items()))
    if not isinstance(items, list) or len(items) > MAX_CONDITIONS or depth > 3:
        errors.append(FieldError(f"{path}.{mode}", f"must be a list of {MAX_CONDITIONS} at most"))
        return {mode: []}
    out = []
    for i, item in enumerate(items):
        here = f"{path}.{mode}[{i}]"
        if isinstance(item, dict) and ({"all", "any"} & item.keys()):
            out.append(_group(item, here, errors, depth + 1))
        else:
            out.append(_condition(item, here, errors))
    return {mode: out}


def _condition(raw: Any, path: str, errors: list[FieldError]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        errors.append(FieldError(path, "must be an object with field, op and value"))
        return {}
    field, op = raw.get("field"), OPERATOR_ALIASES.get(raw.get("op", ""), raw.get("op"))
    if field not in SEGMENT_FIELDS:
        errors.append(FieldError(f"{path}.field", f"unknown field {field!r}"))
        return {}
    ftype = SEGMENT_FIELDS[field]
    if op not in OPERATORS or ftype not in OPERATORS[op] or op == "changed":
        errors.append(FieldError(f"{path}.op", f"operator {op!r} does not apply to {field}"))
        return {}
    if "ref" in raw:
        errors.append(FieldError(f"{path}.value", "segments compare with a value"))
        return {}
    out: dict[str, Any] = {"field": field, "op": op}
    if ftype == "list":
        out["quantifier"] = raw.get("quantifier", "any")
        if out["quantifier"] not in QUANTIFIERS:
            errors.append(FieldError(f"{path}.quantifier", "must be any, all or none"))
    if field == "signup.interests" and out.get("quantifier") == "all" and op not in ("=", "!="):
        errors.append(FieldError(f"{path}.quantifier", "with all, interests take = or != only"))
    before = len(errors)
    out |= _operand(raw, field, ftype, op, path, errors)
    if field in DAYS_FIELDS and len(errors) == before and not _whole_days(out.get("value")):
        errors.append(FieldError(f"{path}.value", "must be a whole number of days"))
    return out


def _whole_days(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    try:
        return all(Decimal(str(v)) == int(Decimal(str(v))) for v in values if v is not None)
    except ArithmeticError:
        return False
