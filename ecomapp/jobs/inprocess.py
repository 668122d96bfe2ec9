"""The embedded default: one thread that ticks and drains the in-process queue."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from ecomapp.jobs.queue import get_queue, redis_connection
from ecomapp.jobs.runner import set_worker_app

log = logging.getLogger(__name__)


class _ThreadWorker(SimpleWorker):
    """A burst worker for a background thread: no signal handlers, timer-based timeouts."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        """Leave signals alone: only the main thread may set them."""


def drain(app: Flask, queues: tuple[str, ...] = ("default",)) -> None:
    """Run every queued job now, in this process (burst)."""
    with app.app_context():
        qs = [get_queue(name, app) for name in queues]
        in_main = threading.current_thread() is threading.main_thread()
        worker_class = SimpleWorker if in_main else _ThreadWorker
        worker = worker_class(qs, connection=redis_connection(app))
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
