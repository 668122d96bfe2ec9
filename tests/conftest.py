"""Shared fixtures: one migrated database per run, a clean slate per test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import fakeredis
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ecomapp import create_app
from ecomapp.config import Settings
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.ticker import tick
from tests import services

os.environ.setdefault("SQLALCHEMY_WARN_20", "1")

# One controllable clock for the whole run: ECOMAPP_TEST_NOW (an ISO instant) travels every test
# there, with time ticking on from it. `.ci/run` sets it for one of its passes to 23:30 UTC on a
# daylight-saving change day, so a test that depends on the time of day fails at any hour.
_SESSION_TRAVEL: time_machine.travel | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Travel the whole run to ECOMAPP_TEST_NOW when it is set."""
    global _SESSION_TRAVEL
    instant = os.environ.get("ECOMAPP_TEST_NOW")
    if instant and _SESSION_TRAVEL is None:
        _SESSION_TRAVEL = time_machine.travel(instant, tick=True)
        _SESSION_TRAVEL.start()


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say which clock the run is on."""
    instant = os.environ.get("ECOMAPP_TEST_NOW")
    return f"clock travelled to {instant} (ECOMAPP_TEST_NOW)" if instant else None


def pytest_unconfigure(config: pytest.Config) -> None:
    """Return to the real clock."""
    global _SESSION_TRAVEL
    if _SESSION_TRAVEL is not None:
        _SESSION_TRAVEL.stop()
        _SESSION_TRAVEL = None


def _create_postgres_database(url: str) -> str:
    """Recreate the test database named in url; return the SQLAlchemy URL."""
    sa_url = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(
        sa_url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{sa_url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{sa_url.database}"'))
    admin.dispose()
    return sa_url.render_as_string(hide_password=False)


def _database_url(tmp: Path) -> str:
    if services.TEST_DATABASE_URL:
        if not services.reachable(services.TEST_DATABASE_URL, 5432):
            pytest.exit(
                f"TEST_DATABASE_URL is set but PostgreSQL does not answer: "
                f"{services.TEST_DATABASE_URL}",
                returncode=3,
            )
        return _create_postgres_database(services.TEST_DATABASE_URL)
    return f"sqlite:///{tmp / 'test.sqlite3'}"


def make_settings(**changes: object) -> Settings:
    """Return test settings, with the real Redis when TEST_REDIS_URL is set."""
    base = Settings(
        env="testing",
        secret_key="test-secret-key-with-enough-length-0123456789",
        encryption_keys=("test-encryption-key",),
        redis_url=services.TEST_REDIS_URL,
        app_url="http://127.0.0.1:5000",
        queue_prefix=f"ecomapp-test-{services.RUN_ID}",
        shopify_api_key="test-client-id",
        shopify_api_secret="test-client-secret",
    )
    return Settings(**{**base.__dict__, **changes})


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """Create the run's database (PostgreSQL when configured, else a SQLite file)."""
    with tempfile.TemporaryDirectory() as tmp:
        yield _database_url(Path(tmp))


@pytest.fixture(scope="session")
def _migrated_app(database_url: str) -> Iterator[Flask]:
    settings = make_settings(database_url=database_url)
    app = create_app(settings, TESTING=True, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _wipe(app: Flask) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:  # DELETE beats TRUNCATE on tiny tables
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def app(_migrated_app: Flask) -> Iterator[Flask]:
    """Return the app with an empty database and an empty queue."""
    app = _migrated_app
    if services.TEST_REDIS_URL:
        conn = app.extensions.get("ecomapp_redis")
        if conn is not None:
            conn.flushdb()
    else:
        app.extensions["ecomapp_redis"] = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    with app.app_context():
        yield app
        db.session.remove()
        _wipe(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Return a CLI runner for the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def run_jobs(app: Flask) -> Callable[[], None]:
    """Return a function that ticks once and runs every queued job in this process."""

    def run() -> None:
        db.session.commit()
        tick()
        drain(app)
        db.session.expire_all()

    return run
