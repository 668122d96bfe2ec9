"""Every foreign key column leads an index: a delete of the row it points to looks it up.

Without one, each deleted parent row scans the whole child table (PostgreSQL checks the key,
or sets it to NULL, row by row): a shop erasure of a 100,000-customer store ran past the
statement timeout on `orders.customer_id` and never finished (7.9 s with the indexes;
docs/shopify.md, compliance topics).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import ForeignKeyConstraint, Table, text
from sqlalchemy.sql.schema import ColumnCollectionConstraint

from ecomapp.extensions import db


def _led_columns(table: Table) -> set[str]:
    """Return the columns that lead an index, a unique constraint or the primary key."""
    leading = {index.columns[0].name for index in table.indexes if index.columns}
    for constraint in table.constraints:
        if isinstance(constraint, ColumnCollectionConstraint) and not isinstance(
            constraint, ForeignKeyConstraint
        ):
            columns = list(constraint.columns)
            if columns:
                leading.add(columns[0].name)
    return leading


def test_every_foreign_key_column_leads_an_index(app: Flask) -> None:
    """Given the models, then every single-column foreign key leads an index of its table."""
    missing = [
        f"{table.name}.{fk.parent.name}"
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.parent.name not in _led_columns(table)
    ]
    assert missing == []


def test_the_database_has_those_indexes(app: Flask) -> None:
    """Given the migrated database, then no foreign key lacks an index led by its column."""
    if db.engine.dialect.name != "postgresql":
        return  # SQLite: the same model, checked above; its catalog has no pg_constraint
    unindexed = db.session.execute(
        text(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.contype = 'f' AND NOT EXISTS (SELECT 1 FROM pg_index i "
            "WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])"
        )
    ).all()
    assert unindexed == []
