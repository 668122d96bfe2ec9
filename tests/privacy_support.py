"""A person with distinctive facts, and a scan of every stored column for any of them."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, Text, func, select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.models import Store
from tests.automation_support import make_automation

PERSON = {
    "email": "philippa.quarrington@example.net",
    "first_name": "Philippa",
    "last_name": "Quarrington",
    "phone": "+16135550142",
    "address1": "77 Zephyr Lane",
    "city": "Wexcombe",
    "zip": "K9Z 4Q1",
}
OTHER = {"email": "bob.other@example.org", "first_name": "Bob", "last_name": "Otherwise"}


def _stored_columns() -> list[tuple[Any, Any]]:
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            kind = getattr(column.type, "impl", column.type)
            if isinstance(column.type, JSON | LargeBinary) or isinstance(kind, String | Text):
                found.append((table, column))
    return found


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").replace("\\/", "/")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def hits(values: dict[str, str] | list[str]) -> list[str]:
    """Return 'table.column=needle' for every stored text, JSON or raw body holding a value."""
    needles = [v.lower() for v in (values.values() if isinstance(values, dict) else values)]
    found = []
    for table, column in _stored_columns():
        for (value,) in db.session.execute(select(column).where(column.is_not(None))):
            text = _as_text(value).lower()
            found += [f"{table.name}.{column.name}={n}" for n in needles if n in text]
    return found


MAIL_ON_PAID = {
    "trigger": {"event": "order.paid"},
    "steps": [{"type": "action", "action": "send_email", "params": {"template": "review_request"}}],
}


def automations(store: Store) -> None:
    """Switch on the welcome recipe and a review e-mail on order.paid (runs, steps, mail)."""
    make_automation(store, build_recipe("welcome", {})[1])
    make_automation(store, MAIL_ON_PAID)


def count(model: type, *where: Any) -> int:
    """Return how many rows of a model match."""
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
