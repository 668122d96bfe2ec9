"""Worker entry point: preload the app, spawn the ticker process, run RQ, outlive Redis outages.

Before RQ forks a work-horse per job, the parent has configured every mapper and holds no
database connection, so a horse inherits neither a lock nor a socket (see clock.py for why the
ticker is a separate process).
"""

from __future__ import annotations

import gc
import logging
import time

from flask import Flask
from redis.exceptions import RedisError
from rq import Worker
from sqlalchemy.orm import configure_mappers

from ecomapp import create_app
from ecomapp.extensions import db
from ecomapp.jobs import clock
from ecomapp.jobs.queue import QUEUES, TakesWakeFlags, get_queue, redis_connection
from ecomapp.jobs.runner import set_worker_app

log = logging.getLogger(__name__)

FIRST_WAIT_SECONDS = 0.5
MAX_WAIT_SECONDS = 30.0


def wait_for_redis(app: Flask) -> None:
    """Block until Redis answers a ping, retrying with exponential backoff and logging it."""
    wait = FIRST_WAIT_SECONDS
    while True:
        try:
            redis_connection(app).ping()
            return
        except RedisError as exc:
            log.warning("worker: Redis unreachable (%s); retrying in %.1fs", exc, wait)
            time.sleep(wait)
            wait = min(wait * 2, MAX_WAIT_SECONDS)


def prepare_for_fork(app: Flask) -> None:
    """Configure mappers, drop pooled connections so forked horses inherit no lock, and freeze
    the preloaded heap so a horse's garbage collector never walks (or copies) it."""
    configure_mappers()
    with app.app_context():
        db.engine.dispose()
    gc.collect()
    gc.freeze()


class TakingWorker(TakesWakeFlags, Worker):
    """RQ's forking worker, clearing a job's wake-up flag as it takes the job."""


def run_worker(app: Flask, burst: bool) -> None:
    """Run RQ until asked to stop; after Redis drops out, wait for it and start again."""
    while True:
        wait_for_redis(app)
        prepare_for_fork(app)
        queues = [get_queue(name, app) for name in QUEUES]
        worker = TakingWorker(queues, connection=redis_connection(app))
        try:
            worker.work(burst=burst, logging_level="INFO")
        except RedisError as exc:  # registering or tearing down the worker failed
            log.warning("worker: Redis dropped out (%s)", exc)
        if burst or worker._stop_requested:  # RQ keeps the SIGTERM/SIGINT flag here
            return
        try:
            redis_connection(app).ping()
        except RedisError:
            continue  # RQ quit on a lost connection: wait for Redis and start again
        return


def main(burst: bool = False, with_ticker: bool = True) -> None:
    """Run a worker (and its ticker process) on the app's real Redis queues."""
    app = create_app()
    if not app.config["SETTINGS"].redis_url:
        raise SystemExit("REDIS_URL is not set: the embedded default runs jobs in the web process")
    set_worker_app(app)
    ticker = clock.spawn() if with_ticker and not burst else None
    try:
        run_worker(app, burst)
    finally:
        if ticker is not None:
            ticker.terminate()
            ticker.wait(10)


if __name__ == "__main__":
    import sys

    main(burst="--burst" in sys.argv, with_ticker="--no-ticker" not in sys.argv)
