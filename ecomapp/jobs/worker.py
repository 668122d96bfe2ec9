"""Worker entry point: preload the app, start the ticker thread, run RQ with its scheduler."""

from __future__ import annotations

import logging
import threading

from rq import Worker

from ecomapp import create_app
from ecomapp.extensions import db
from ecomapp.jobs.queue import get_queue, redis_connection
from ecomapp.jobs.runner import set_worker_app

log = logging.getLogger(__name__)


def start_ticker(app, stop: threading.Event) -> threading.Thread:  # type: ignore[no-untyped-def]
    """Run the ticker every few seconds in a thread; safe beside other tickers."""
    from ecomapp.jobs.ticker import tick

    def loop() -> None:
        while not stop.is_set():
            try:
                with app.app_context():
                    tick()
            except Exception:
                log.exception("ticker failed")
            stop.wait(app.config["SETTINGS"].ticker_seconds)

    thread = threading.Thread(target=loop, name="ecomapp-ticker", daemon=True)
    thread.start()
    return thread


def main(burst: bool = False, with_ticker: bool = True) -> None:
    """Run a worker on the app's real Redis queues."""
    app = create_app()
    if not app.config["SETTINGS"].redis_url:
        raise SystemExit("REDIS_URL is not set: the embedded default runs jobs in the web process")
    set_worker_app(app)
    with app.app_context():
        db.engine.dispose()  # children open their own connections
        queues = [get_queue("default", app)]
        connection = redis_connection(app)
    stop = threading.Event()
    if with_ticker:
        start_ticker(app, stop)
    try:
        Worker(queues, connection=connection).work(burst=burst, with_scheduler=True)
    finally:
        stop.set()


if __name__ == "__main__":
    import sys

    main(burst="--burst" in sys.argv, with_ticker="--no-ticker" not in sys.argv)
