"""Customer search that an index answers on each database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_

from ecomapp.extensions import db
from ecomapp.models import Customer

# Below this length a substring has no trigram to look up, so PostgreSQL searches prefixes.
TRIGRAM = 3
_TOP = "\U0010ffff"  # sorts after every character: [p, p + _TOP) is "starts with p"


def _prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    return and_(column >= prefix, column < prefix + _TOP)


def _postgresql(q: str) -> ColumnElement[bool]:
    # The GIN trigram indexes (migration 72e3d56c982c) answer ILIKE with a leading wildcard.
    like = f"%{q}%" if len(q) >= TRIGRAM else f"{q}%"
    columns = _columns(q)
    return or_(*(c.ilike(like, escape="\\") for c in columns))


def _columns(q: str) -> tuple[Any, ...]:
    """Return the columns q may be in: an e-mail address only, when q has an @."""
    if "@" in q:
        return (Customer.email,)
    return (Customer.email, Customer.first_name, Customer.last_name)


def _sqlite(q: str) -> ColumnElement[bool]:
    # SQLite has no trigram index: match prefixes as ranges on the (store_id, column) indexes.
    # E-mails are compared lower-cased, names as typed and capitalised.
    names = {q, q[:1].upper() + q[1:]}
    return or_(
        _prefix(Customer.email, q.lower()),
        *(_prefix(c, n) for c in _columns(q)[1:] for n in names),
    )


def _escape_like(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_customers(stmt: Select[Any], q: str) -> Select[Any]:
    """Narrow a customers query to those whose e-mail or name matches q."""
    if db.session.get_bind().dialect.name == "postgresql":
        return stmt.where(_postgresql(_escape_like(q)))
    return stmt.where(_sqlite(q))
