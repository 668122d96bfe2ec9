"""The embedded default: one thread that ticks and drains the in-process queue."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from ecomapp.jobs.queue import QUEUES, TakesWakeFlags, get_queue, redis_connection
from ecomapp.jobs.runner import set_worker_app

log = logging.getLogger(__name__)


class InProcessWorker(TakesWakeFlags, SimpleWorker):
    """A SimpleWorker that can run in any thread (no signal handlers, timer timeouts)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        return None

    # No command channel: RQ's pub/sub thread waits up to 60 s for a subscription that a burst
    # run may already have dropped, and redis-py's stop() joins it without a timeout, so a
    # drain with real Redis could hang for a minute. Nobody sends commands to this worker.
    def subscribe(self) -> None:
        return None

    def unsubscribe(self) -> None:
        return None


def drain(app: Flask, queues: tuple[str, ...] = QUEUES) -> None:
    """Run every queued job now, in this process (burst)."""
    with app.app_context():
        qs = [get_queue(name, app) for name in queues]
        worker = InProcessWorker(qs, connection=redis_connection(app))
        worker.work(burst=True, logging_level="WARNING")


def run_once(app: Flask) -> None:
    """Tick once, then drain the queue."""
    from ecomapp.jobs.ticker import tick

    with app.app_context():
        tick()
    drain(app)


def start_background(app: Flask, interval: float | None = None) -> threading.Event:
    """Start the in-process worker thread; set the returned event to stop it."""
    set_worker_app(app)
    stop = threading.Event()
    every = interval or app.config["SETTINGS"].ticker_seconds

    def loop() -> None:
        while not stop.is_set():
            try:
                run_once(app)
            except Exception:  # keep the demo alive; the error is logged
                log.exception("in-process worker tick failed")
            stop.wait(every)

    threading.Thread(target=loop, name="ecomapp-inprocess-worker", daemon=True).start()
    return stop
