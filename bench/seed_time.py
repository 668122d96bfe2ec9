"""Seconds to seed the demo store into a fresh database, against a raw bulk insert of its rows.

Run: python -m bench.seed_time [--quick] [--database-url URL]
The baseline copies the same rows, server-side, into tables built LIKE the real ones with their
indexes (INSERT … SELECT): what the database alone needs to store that many rows.
"""

from __future__ import annotations

import argparse
import time

from flask import Flask
from sqlalchemy import text

from bench.big_store import (
    add_arguments,
    bench_app,
    customers_wanted,
    figure,
    recreate_database,
    seed,
)
from ecomapp.extensions import db

TABLES = ("customers", "orders", "line_items", "addresses", "carts")


def raw_copy_seconds(app: Flask, store_id: int) -> tuple[float, int]:
    """Return (seconds, rows) to bulk-insert the store's mirror rows into look-alike tables."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        like = "(LIKE {t} INCLUDING ALL)" if postgres else "AS SELECT * FROM {t} WHERE 0"
        for table in TABLES:
            db.session.execute(text(f"DROP TABLE IF EXISTS bench_copy_{table}"))
            db.session.execute(text(f"CREATE TABLE bench_copy_{table} {like.format(t=table)}"))
        db.session.commit()
        rows, started = 0, time.perf_counter()
        for table in TABLES:
            copied = db.session.execute(
                text(f"INSERT INTO bench_copy_{table} SELECT * FROM {table} WHERE store_id = :s"),
                {"s": store_id},
            )
            rows += copied.rowcount
        db.session.commit()
        seconds = time.perf_counter() - started
        for table in TABLES:
            db.session.execute(text(f"DROP TABLE bench_copy_{table}"))
        db.session.commit()
    return seconds, rows


def main() -> None:
    """Seed a fresh database, time it, time the raw copy, print the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()
    customers = customers_wanted(args)
    recreate_database(args.database_url)
    app = bench_app(args.database_url)
    store_id, seed_seconds = seed(app, customers)
    baseline, rows = raw_copy_seconds(app, store_id)
    print(f"{rows:,} mirror rows", flush=True)
    figure(f"seed_{customers // 1000}k_seconds", seed_seconds, baseline)


if __name__ == "__main__":
    main()
