"""The seeded demo store (100,000 customers by default) the panel, seed and regroup benches use.

Bench scripts are not the app: they take the database URL as an option (run_all passes
BENCH_DATABASE_URL) and report figures as `<name> <value> baseline <value> ratio <x>` lines.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ecomapp import create_app
from ecomapp.config import Settings, database_url
from ecomapp.demo.seed import DEMO_DOMAIN, SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.models import Customer, Store

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/ecomapp_bench"
AS_OF = date(2026, 11, 30)  # the seeded history ends here, so every run seeds the same store
FULL, QUICK = 100_000, 10_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --database-url, --customers and --quick to a bench's options."""
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--customers", type=int, default=None, help=f"default {FULL:,}")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK:,} customers, fewer runs")


def customers_wanted(args: argparse.Namespace) -> int:
    """Return the store size the options ask for."""
    return args.customers or (QUICK if args.quick else FULL)


def figure(name: str, value: float, baseline: float) -> None:
    """Print one figure in the form bench/run_all.py collects."""
    ratio = value / baseline if baseline else float("inf")
    print(f"{name} {value:.3f} baseline {baseline:.3f} ratio {ratio:.2f}", flush=True)


def recreate_database(url: str) -> None:
    """Drop and create the PostgreSQL database named in url (SQLite files are left alone)."""
    sa_url = make_url(database_url(url, "."))
    if sa_url.get_backend_name() != "postgresql":
        return
    admin = create_engine(
        sa_url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{sa_url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{sa_url.database}"'))
    admin.dispose()


def create_database(url: str) -> None:
    """Create the PostgreSQL database named in url unless it exists (a bench run alone)."""
    sa_url = make_url(database_url(url, "."))
    if sa_url.get_backend_name() != "postgresql":
        return
    admin = create_engine(
        sa_url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as conn:
        found = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": sa_url.database}
        )
        if not found:
            conn.execute(text(f'CREATE DATABASE "{sa_url.database}"'))
    admin.dispose()


def bench_app(url: str) -> Flask:
    """Return the app on the bench database (created if missing), migrated."""
    create_database(url)
    app = create_app(Settings(database_url=url))
    with app.app_context():
        upgrade()
    return app


def vacuum(app: Flask) -> None:
    """VACUUM ANALYZE on PostgreSQL, as autovacuum would have by the time a merchant looks."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def seeded_store(app: Flask, customers: int) -> int:
    """Return the demo store's id, seeding it first unless it already has `customers`."""
    with app.app_context():
        store = db.session.scalar(select(Store).where(Store.domain == DEMO_DOMAIN))
        if store is not None:
            have = db.session.scalar(
                select(func.count()).select_from(Customer).where(Customer.store_id == store.id)
            )
            if have == customers:
                return store.id
    return seed(app, customers)[0]


def seed(app: Flask, customers: int) -> tuple[int, float]:
    """Seed the demo store; return its id and the seconds it took (VACUUM ANALYZE not counted)."""
    with app.app_context():
        started = time.perf_counter()
        store_id = seed_demo(SeedSize(customers=customers, as_of=AS_OF)).store_id
        seconds = time.perf_counter() - started
        db.session.remove()
    print(f"seeded {customers:,} customers in {seconds:.1f}s", flush=True)
    vacuum(app)
    return store_id, seconds
