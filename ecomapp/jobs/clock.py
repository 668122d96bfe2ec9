"""The ticker's own process: the worker spawns it before RQ forks, so no fork inherits it.

A ticker thread inside the worker was copied into every work-horse RQ forked; a fork taken while
it held SQLAlchemy's mapper-configure lock (or a pooled connection) left the horse waiting
forever. As a separate process started with exec, nothing of it is inherited.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading

from flask import Flask
from redis.exceptions import RedisError

from ecomapp.jobs.queue import redis_connection

log = logging.getLogger(__name__)


def spawn(parent_pid: int | None = None) -> subprocess.Popen[bytes]:
    """Start `python -m ecomapp.jobs.clock` as a child that exits when its parent dies."""
    parent = str(parent_pid or os.getpid())
    return subprocess.Popen([sys.executable, "-m", "ecomapp.jobs.clock", "--parent", parent])


def tick_forever(app: Flask, stop: threading.Event, parent_pid: int | None = None) -> None:
    """Tick every TICKER_SECONDS until stopped or orphaned; wait out a Redis outage."""
    from ecomapp.jobs.ticker import tick

    every = app.config["SETTINGS"].ticker_seconds
    while not stop.is_set():
        if parent_pid is not None and os.getppid() != parent_pid:
            log.warning("ticker: worker %s is gone, stopping", parent_pid)
            return
        try:
            with app.app_context():
                redis_connection(app).ping()
                tick()
        except RedisError as exc:  # due work waits in the database meanwhile
            log.warning("ticker: Redis unreachable (%s); next try in %ss", exc, every)
        except Exception:
            log.exception("ticker: tick failed (Redis or database down?); next in %ss", every)
        stop.wait(every)


def main(argv: list[str]) -> None:
    """Run the ticker process (started by the worker)."""
    from ecomapp import create_app

    parent = int(argv[argv.index("--parent") + 1]) if "--parent" in argv else None
    app = create_app()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    tick_forever(app, stop, parent)


if __name__ == "__main__":
    main(sys.argv[1:])
