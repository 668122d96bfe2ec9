"""Wait for a quiet machine before a bench, so it does not pay for the one before it.

A bench that writes a 100,000-customer store leaves work behind it: dirty pages PostgreSQL
flushes at its next checkpoint, autovacuum workers on the tables it filled, a worker process
still exiting. The next bench then measures its rate and its baseline on cores that are busy
with that tail (the door's ratio moved between 0.29 and 0.36 with what ran before it).
`run_all` calls `settle` before every bench: a CHECKPOINT, then up to `MAX_WAIT` seconds until
no autovacuum worker runs and the cores are idle (less than `BUSY` of them over one second).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

MAX_WAIT = 120.0  # seconds; then the bench runs anyway and the wait is reported
BUSY = 0.15  # fraction of all cores busy over one second that still counts as quiet


@dataclass
class Settled:
    """How long the wait took and what the machine was doing when it ended."""

    seconds: float
    busy: float
    autovacuum: int

    def describe(self) -> str:
        """Return one line for the run's log."""
        state = "quiet" if self.busy < BUSY and not self.autovacuum else "NOT quiet"
        return (
            f"settled {self.seconds:.0f}s: {state}, cores {self.busy:.0%} busy, "
            f"{self.autovacuum} autovacuum worker(s)"
        )


def _cpu_times() -> tuple[int, int]:
    """Return (busy, total) jiffies of all cores from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_fraction(seconds: float = 1.0) -> float:
    """Return the fraction of the machine's cores busy over the next `seconds`."""
    if not Path("/proc/stat").exists():
        return 0.0
    busy, total = _cpu_times()
    time.sleep(seconds)
    busy2, total2 = _cpu_times()
    return (busy2 - busy) / max(1, total2 - total)


def _autovacuum_workers(url: str) -> int:
    engine = _admin(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE backend_type = 'autovacuum worker'"
                    )
                )
                or 0
            )
    finally:
        engine.dispose()


def _checkpoint(url: str) -> None:
    engine = _admin(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()


def _admin(url: str) -> Engine:
    sa_url = make_url(url).set(database="postgres")
    return create_engine(sa_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def settle(database_url: str | None, max_wait: float = MAX_WAIT) -> Settled:
    """Checkpoint PostgreSQL, then wait until autovacuum is done and the cores are idle."""
    started = time.perf_counter()
    url = database_url or ""
    postgres = bool(url) and make_url(url).get_backend_name() == "postgresql"
    if postgres:
        _checkpoint(url)
    while True:
        busy = busy_fraction()
        autovacuum = _autovacuum_workers(url) if postgres else 0
        waited = time.perf_counter() - started
        if (busy < BUSY and not autovacuum) or waited >= max_wait:
            return Settled(waited, busy, autovacuum)


if __name__ == "__main__":
    print(settle(os.environ.get("DATABASE_URL")).describe())
