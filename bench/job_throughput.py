"""Job machinery throughput: direct runner calls vs in-process worker vs forking RQ worker.

Run: python -m bench.job_throughput [--jobs 300] [--redis redis://127.0.0.1:6379/14]
Prints jobs per second and each rate as a ratio of the direct-call baseline of the same run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable

from flask import Flask
from flask_migrate import upgrade
from rq import Worker

from ecomapp import create_app
from ecomapp.config import Settings
from ecomapp.extensions import db
from ecomapp.jobs import enqueue_after_commit, get_queue
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.queue import redis_connection
from ecomapp.jobs.runner import run_job, set_worker_app

NOOP = "bench.noop_jobs:noop"


def _app(database: str, redis_url: str | None) -> Flask:
    settings = Settings(database_url=database, redis_url=redis_url, queue_prefix="bench-jobs")
    app = create_app(settings)
    with app.app_context():
        upgrade()
    return app


def _timed(label: str, count: int, work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    rate = count / (time.perf_counter() - start)
    print(f"{label:<44} {rate:9.1f} jobs/s")
    return rate


def _enqueue(app: Flask, count: int) -> None:
    with app.app_context():
        for _ in range(count):
            enqueue_after_commit(NOOP)
        db.session.commit()


def _fork_worker(app: Flask) -> None:
    set_worker_app(app)
    with app.app_context():
        queue, connection = get_queue(app=app), redis_connection(app)
    Worker([queue], connection=connection).work(burst=True, logging_level="WARNING")


def main() -> None:
    """Measure and print the rates."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/bench.sqlite3"
        app = _app(database, None)
        with app.app_context():
            base = _timed(
                "direct run_job calls (baseline)",
                args.jobs,
                lambda: [run_job(NOOP, []) for _ in range(args.jobs)] and None,
            )
        _enqueue(app, args.jobs)
        rates = {
            "in-process worker, fakeredis": _timed(
                "in-process worker, fakeredis", args.jobs, lambda: drain(app)
            )
        }
        real = _app(database, args.redis)
        with real.app_context():
            redis_connection(real).flushdb()
        _enqueue(real, args.jobs)
        rates["in-process worker, real Redis"] = _timed(
            "in-process worker, real Redis", args.jobs, lambda: drain(real)
        )
        _enqueue(real, args.jobs)
        rates["forking worker, preloaded app, real Redis"] = _timed(
            "forking worker, preloaded app, real Redis", args.jobs, lambda: _fork_worker(real)
        )
    print("\nratio to the direct-call baseline:")
    for label, rate in rates.items():
        print(f"  {label:<42} {rate / base:6.2f}x")


if __name__ == "__main__":
    main()
