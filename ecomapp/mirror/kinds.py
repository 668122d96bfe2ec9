"""B2B or B2C: one merchant-controlled rule, one classifying SQL expression, set-based updates.

The rule is a store setting (`Store.settings["b2b_rule"]`): a customer is B2B when any enabled
test holds: they have a company, their account role is one of `roles` (WooCommerce roles such
as `wholesale_customer`), or they carry one of `tags` (ecomapp's customer groups are tags).
The same expression classifies one customer after an upsert and the whole store after the
rule changes, so the answer never depends on which path wrote the row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, false, func, or_, update

from ecomapp.extensions import affected, db
from ecomapp.models import Customer, CustomerKind, Store
from ecomapp.models.types import normalize_tags, tag_pattern

SETTING_KEY = "b2b_rule"
MAX_NAMES = 50


class InvalidRule(ValueError):
    """A rule the store cannot use; `field` names the offending part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class KindRule:
    """When a customer is B2B: a company, one of these roles, or one of these tags."""

    company: bool = True
    roles: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def as_setting(self) -> dict[str, Any]:
        """Return the JSON stored in the store's settings."""
        return {"company": self.company, "roles": list(self.roles), "tags": list(self.tags)}


def _names(field: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidRule(field, "must be a list of names or a comma-separated text")
    names = tuple(normalize_tags(value))
    if len(names) > MAX_NAMES or any(len(n) > 64 for n in names):
        raise InvalidRule(field, f"at most {MAX_NAMES} names of at most 64 characters")
    return names


def parse_rule(data: Any) -> KindRule:
    """Return a valid rule from submitted or stored data, or raise InvalidRule naming the field."""
    if not isinstance(data, dict):
        raise InvalidRule("b2b_rule", "must be an object with company, roles and tags")
    unknown = set(data) - {"company", "roles", "tags"}
    if unknown:
        raise InvalidRule(sorted(unknown)[0], "is not part of the B2B rule")
    company = data.get("company", True)
    if not isinstance(company, bool):
        raise InvalidRule("company", "must be true or false")
    return KindRule(company, _names("roles", data.get("roles")), _names("tags", data.get("tags")))


def rule_of(store: Store) -> KindRule:
    """Return the store's rule (the default: a company makes a customer B2B)."""
    try:
        return parse_rule((store.settings or {}).get(SETTING_KEY, {}))
    except InvalidRule:
        return KindRule()


def is_b2b(rule: KindRule) -> ColumnElement[bool]:
    """Return the SQL condition that makes a customers row B2B under the rule."""
    tests: list[ColumnElement[bool]] = []
    if rule.company:
        tests.append(func.coalesce(func.trim(Customer.company), "") != "")
    if rule.roles:
        tests.append(Customer.role.in_(rule.roles))
    tests += [Customer.tags.like(tag_pattern(t)) for t in rule.tags]
    return or_(*tests) if tests else false()


def classify(store: Store, customer_ids: Iterable[int] | None = None) -> int:
    """Set kind on the store's customers (all, or these) in one UPDATE; return rows changed."""
    kind = case((is_b2b(rule_of(store)), CustomerKind.B2B.value), else_=CustomerKind.B2C.value)
    stmt = update(Customer).where(Customer.store_id == store.id, Customer.kind != kind)
    if customer_ids is not None:
        stmt = stmt.where(Customer.id.in_(list(customer_ids)))
    result = db.session.execute(stmt.values(kind=kind).execution_options(synchronize_session=False))
    return int(affected(result) or 0)


def set_rule(store: Store, data: Any) -> int:
    """Validate and save the store's rule, then reclassify every customer; return rows changed."""
    rule = parse_rule(data)
    store.settings = (store.settings or {}) | {SETTING_KEY: rule.as_setting()}
    db.session.flush()
    return classify(store)
