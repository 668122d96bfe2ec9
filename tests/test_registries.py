"""Per-app state: two apps built in one process share no registry (nav, jobs, subscribers)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from ecomapp import create_app
from ecomapp.extensions import db
from ecomapp.jobs.periodic import run_periodic
from ecomapp.models import DueWork
from ecomapp.registries import registries
from tests.conftest import make_settings

EXTRA_JOB = "tests.jobs_for_tests:noop"


def _app(folder: Path, name: str, **changes: object) -> Flask:
    url = f"sqlite:///{folder / name}.sqlite3"
    settings = make_settings(database_url=url, **changes)
    return create_app(settings, TESTING=True, SQLALCHEMY_DATABASE_URI=url)


def test_two_apps_in_one_process_share_no_registry(tmp_path: Path) -> None:
    """Given two apps with different settings, when one registers a periodic job, a store
    resolver and a subscriber, then the other has none of them and its ticker records none."""
    first = _app(tmp_path, "first", app_url="https://first.example.com")
    second = _app(tmp_path, "second", app_url="https://second.example.com", queue_prefix="b")
    mine, theirs = registries(first), registries(second)
    assert mine is not theirs and mine.nav is not theirs.nav
    assert mine.nav == theirs.nav and len(set(mine.nav)) == len(mine.nav)  # built once each
    assert mine.periodic == theirs.periodic and mine.panel_blueprints == theirs.panel_blueprints

    mine.periodic[EXTRA_JOB] = 60
    mine.store_resolvers.append(lambda request: None)
    mine.subscribers.append(EXTRA_JOB)
    mine.batch_subscribers[EXTRA_JOB] = frozenset({"order.created"})

    assert EXTRA_JOB not in theirs.periodic and EXTRA_JOB not in theirs.batch_subscribers
    assert theirs.subscribers == [] and len(theirs.store_resolvers) == 1
    with second.app_context():
        upgrade()
        run_periodic(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
        keys = list(db.session.scalars(select(DueWork.dedupe_key)))
        db.session.remove()
        db.engine.dispose()
    assert keys and not any(EXTRA_JOB in key for key in keys)
    assert {key.split(":")[1] + ":" + key.split(":")[2] for key in keys} == set(theirs.periodic)
