"""SQL statements and commits per event through the engine (load-independent cost figures).

Run: python -m bench.engine_statements [--customers 5000 --automations 50 --orders 500]
Uses DATABASE_URL / REDIS_URL like `bench.engine_throughput`. Prints
`engine_sql_per_event <n> commits_per_event <n>` and the statements by job.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from flask_migrate import upgrade
from rq.job import Job
from sqlalchemy import event

from bench.engine_throughput import _app, _apply_orders, _definitions, _timed_drain
from ecomapp.automation.library import save_automation, set_enabled
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.jobs.queue import get_queue
from ecomapp.models import Store

CURRENT: list[str] = ["-"]


def _count(engine: Any, statements: Counter[str], commits: Counter[str]) -> None:
    """Count statements and commits on `engine`, by the job running them."""

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(*args: Any) -> None:
        statements[CURRENT[0]] += 1

    @event.listens_for(engine, "commit")
    def _commit(*args: Any) -> None:
        commits[CURRENT[0]] += 1


def _track_jobs() -> None:
    """Name the running job in CURRENT (RQ calls `Job.perform` for every job)."""
    perform = Job.perform

    def named(self: Job) -> Any:
        name = str(self.args[0]) if self.func_name.endswith("run_job") else self.func_name
        CURRENT[0] = name.rsplit(":", 1)[-1].rsplit(".", 1)[-1]
        try:
            return perform(self)
        finally:
            CURRENT[0] = "-"

    Job.perform = named  # type: ignore[method-assign]


def main() -> None:
    """Seed, drain the engine's work with counters on, print per-event figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--automations", type=int, default=50)
    parser.add_argument("--orders", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        with app.app_context():
            upgrade()
            store = db.session.get(Store, seed_demo(SeedSize(customers=args.customers)).store_id)
            for definition in _definitions(args.automations):
                set_enabled(save_automation(store, "bench", definition), True)
            db.session.commit()
            events = _apply_orders(store, args.orders, 0)
            get_queue().empty()
            from ecomapp.automation.batch import wake

            statements: Counter[str] = Counter()
            commits: Counter[str] = Counter()
            _count(db.engine, statements, commits)
            _track_jobs()
            wake(store.id, force=True)
            seconds = _timed_drain(app)
            total, done = sum(statements.values()), sum(commits.values())
            print(f"database: {db.engine.dialect.name}, {events} events, {seconds:.1f}s")
            for name, n in statements.most_common():
                print(f"  {name:28s} {n:7d} statements {commits[name]:6d} commits")
            per = f"{total / events:.2f} commits_per_event {done / events:.3f}"
            print(f"engine_sql_per_event {per}")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    main()
