"""Migrations build the whole schema from empty and match the models."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from ecomapp import create_app
from ecomapp.extensions import db
from ecomapp.models.hand_made import include_name
from tests import services
from tests.conftest import _create_postgres_database, make_settings


def _scratch_url(tmp_path: Path) -> str:
    if services.TEST_DATABASE_URL:
        url = make_url(services.TEST_DATABASE_URL)
        return _create_postgres_database(
            url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
        )
    return f"sqlite:///{tmp_path / 'scratch.sqlite3'}"


def test_upgrade_from_empty_creates_every_table_then_downgrade_removes_them(
    tmp_path: Path,
) -> None:
    """Given an empty database, when migrated up, down and up, then it has every model table."""
    url = _scratch_url(tmp_path)
    app = create_app(make_settings(database_url=url), SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert set(db.metadata.tables) <= tables


def test_models_and_migrations_agree(app: Flask) -> None:
    """Given the migrated test database, then autogenerate finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_database_in_use_is_the_configured_one(app: Flask) -> None:
    """Given TEST_DATABASE_URL, then the suite runs on PostgreSQL (else SQLite), as it says."""
    dialect = db.engine.dialect.name
    assert dialect == ("postgresql" if services.TEST_DATABASE_URL else "sqlite")
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
