"""Blank a person out of every text and JSON column of every table of a store.

Tables are found through db.metadata, so a table added later (by any feature) is swept too.
Rows are found in SQL (a LIKE per strong needle on the store's rows) and rewritten in Python,
since only the few rows about one person ever match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, String, Table, Text, cast, func, or_, select
from sqlalchemy import update as sql_update

from ecomapp.extensions import db
from ecomapp.privacy.needles import Needles, pattern, scrub
from ecomapp.secrets_at_rest import Ciphertext


def text_columns(table: Table) -> list[Column[Any]]:
    """Return the columns of a table that can hold free text or JSON (not encrypted secrets)."""
    found = []
    for column in table.columns:
        kind = column.type
        impl = getattr(kind, "impl", kind)
        if isinstance(kind, LargeBinary | Ciphertext):
            continue
        if isinstance(kind, JSON | String | Text) or isinstance(impl, String | Text):
            found.append(column)
    return found


def swept_tables() -> Iterable[Table]:
    """Return every table that belongs to a store and has text or JSON columns."""
    for table in db.metadata.sorted_tables:
        if "store_id" in table.c and text_columns(table):
            yield table


def sweep_store(store_id: int, needles: Needles, token: str) -> int:
    """Rewrite every row of the store holding a strong needle; return how many were changed."""
    forms = needles.search_forms()
    found = pattern(needles)
    if not forms or found is None:
        return 0
    changed = 0
    for table in swept_tables():
        columns = text_columns(table)
        hits = or_(
            *(
                func.lower(cast(c, Text)).contains(f, autoescape=True)
                for c in columns
                for f in forms
            )
        )
        rows = db.session.execute(
            select(*table.primary_key.columns, *columns).where(table.c.store_id == store_id, hits)
        ).all()
        for row in rows:
            changed += rewrite_row(table, row._mapping, found, token)
    return changed


def rewrite_row(table: Table, row: Any, found: re.Pattern[str], token: str) -> int:
    """Write back one row's text and JSON columns with the needles replaced; 1 if it changed."""
    values = {}
    for column in text_columns(table):
        if column.name not in row:
            continue
        before = row[column.name]
        after = scrub(before, found, token)
        if after != before:
            values[column.name] = after
    if not values:
        return 0
    keys = [c == row[c.name] for c in table.primary_key.columns]
    db.session.execute(sql_update(table).where(*keys).values(**values))
    return 1
