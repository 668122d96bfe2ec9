"""Groups by lifetime spend over the whole seeded store, against one hand-written UPDATE … CASE.

Run: python -m bench.regroup [--quick] [--database-url URL]
Both start from the same tags (restored between them) and must end with the same tags:
ecomapp's run (batches of 5,000 customers: record the changes, rewrite the tags column; the demo
store's platform is its mirror, so nothing is pushed) and one statement that strips the range
groups from every customer's tags and appends the CASE group.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time

from flask import Flask
from sqlalchemy import text

from bench.big_store import add_arguments, bench_app, customers_wanted, figure, seeded_store
from ecomapp.automation.recipes import parse_ranges
from ecomapp.extensions import db
from ecomapp.insights.groups import run_groups, start_run
from ecomapp.models import Store

RANGES = "0-100 = bronze\n100-500 = silver\n500-2000 = gold\n2000- = platinum"

# The hand-written statement (amounts in cents, tags stored as ',a,b,').
HAND_WRITTEN = """
UPDATE customers SET tags = CASE WHEN stripped = ',' THEN '' ELSE stripped END
FROM (
  SELECT id AS cid,
    CASE WHEN kept = '' THEN ',' ELSE kept END ||
    CASE WHEN total_spent < 10000 THEN 'bronze,' WHEN total_spent < 50000 THEN 'silver,'
         WHEN total_spent < 200000 THEN 'gold,' ELSE 'platinum,' END AS stripped
  FROM (
    SELECT id, total_spent, replace(replace(replace(replace(tags,
      ',bronze,', ','), ',silver,', ','), ',gold,', ','), ',platinum,', ',') AS kept
    FROM customers WHERE store_id = :store
  ) AS k
) AS n
WHERE customers.id = n.cid
"""


def _sql(app: Flask, sql: str, **params: object) -> None:
    with app.app_context():
        db.session.execute(text(sql), params)
        db.session.commit()


def _fingerprint(app: Flask, store_id: int) -> str:
    with app.app_context():
        rows = db.session.execute(
            text("SELECT id, tags FROM customers WHERE store_id = :s ORDER BY id"), {"s": store_id}
        )
        return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def _restore(app: Flask, store_id: int) -> None:
    """Put back the snapshot of tags, clear group runs, vacuum (untimed)."""
    _sql(
        app,
        "UPDATE customers SET tags = b.tags FROM bench_tags b "
        "WHERE customers.id = b.id AND customers.tags <> b.tags",
    )
    _sql(app, "DELETE FROM group_runs WHERE store_id = :s", s=store_id)
    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE customers, group_changes")
            )


def ecomapp_seconds(app: Flask, store_id: int) -> tuple[float, int]:
    """Return (seconds, customers changed) of a whole-store run of the ranges."""
    with app.app_context():
        store = db.session.get(Store, store_id)
        started = time.perf_counter()
        run = start_run(store, parse_ranges(RANGES), label="bench")  # type: ignore[arg-type]
        run_groups(run.id)
        seconds = time.perf_counter() - started
        db.session.refresh(run)
        assert run.status == "done", run.error
        return seconds, run.changed


def hand_written_seconds(app: Flask, store_id: int) -> float:
    """Return the seconds of the hand-written UPDATE … CASE."""
    started = time.perf_counter()
    _sql(app, HAND_WRITTEN, store=store_id)
    return time.perf_counter() - started


def main() -> None:
    """Time both from the same tags, check they agree, print the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (medians)")
    args = parser.parse_args()
    customers = customers_wanted(args)
    app = bench_app(args.database_url)
    store_id = seeded_store(app, customers)
    _sql(app, "DROP TABLE IF EXISTS bench_tags")
    _sql(
        app,
        "CREATE TABLE bench_tags AS SELECT id, tags FROM customers WHERE store_id = :s",
        s=store_id,
    )
    ours, baseline, same = [], [], True
    try:
        for _ in range(args.repeat):  # alternate, and take medians: the machine is shared
            _restore(app, store_id)
            seconds, changed = ecomapp_seconds(app, store_id)
            ours.append(seconds)
            after_ours = _fingerprint(app, store_id)
            _restore(app, store_id)
            baseline.append(hand_written_seconds(app, store_id))
            same = same and _fingerprint(app, store_id) == after_ours
        _restore(app, store_id)
    finally:
        _sql(app, "DROP TABLE IF EXISTS bench_tags")
    print(f"{changed:,} of {customers:,} customers changed group; same tags as the UPDATE: {same}")
    print(f"ecomapp runs {ours}, UPDATE … CASE {baseline} (seconds)")
    figure(
        f"regroup_{customers // 1000}k_seconds",
        statistics.median(ours),
        statistics.median(baseline),
    )
    if not same:
        raise SystemExit("the group run and the hand-written UPDATE disagree")


if __name__ == "__main__":
    main()
