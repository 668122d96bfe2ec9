"""Real processes for the durability tests: a private redis-server and worker process groups."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import redis
import time_machine

from tests.fakes.smtp_server import free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_until(check: object, timeout: float, step: float = 0.1) -> bool:
    """Poll check() until it is true or timeout seconds (of real time) pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(step)
    return bool(check())  # type: ignore[operator]


@dataclass
class PrivateRedis:
    """A redis-server of this test's own, on a free port, that the test may stop and restart."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the URL that reaches it."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server (no persistence: a restart loses every queued job) and wait for it."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        try:
            assert wait_until(lambda: _pings(client), 10), "redis-server did not start"
        finally:
            client.close()

    def stop(self) -> None:
        """Kill the server, like an outage."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@contextmanager
def real_clock(redis_url: str) -> Iterator[None]:
    """Put this process on the real clock (Redis's) while worker processes share its rows.

    Worker processes run on the machine's clock; a test travelled elsewhere (ECOMAPP_TEST_NOW)
    would date its rows weeks away from theirs, and their sweepers and pruning would see that.
    """
    client = redis.Redis.from_url(redis_url)
    try:
        seconds, micros = client.time()
    finally:
        client.close()
    with time_machine.travel(datetime.fromtimestamp(seconds + micros / 1e6, UTC), tick=True):
        yield


@contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    """Run a private redis-server for the duration of the block."""
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def descendants(pid: int) -> list[int]:
    """Return every process below pid (RQ horses call setpgrp, so killpg misses them)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def _running(pid: int) -> bool:
    """Return whether pid is a live process (a zombie awaiting its reaper is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class WorkerGroup:
    """`python -m ecomapp.jobs.worker` in its own process group (worker, horses, ticker)."""

    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        """Start the worker; it spawns its ticker process and forks a horse per job."""
        self.starts += 1
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ecomapp.jobs.worker"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ready(self) -> bool:
        """Return True once the latest start is listening on its queue."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text.count("Listening on") >= self.starts

    def alive(self) -> bool:
        """Return True while the worker process runs."""
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker, its ticker and its work-horse (in a process group of its own)."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):  # stopped, it forks no horse while we list them
            os.kill(self.process.pid, signal.SIGSTOP)
        horses = descendants(self.process.pid)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for pid in horses:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None
        assert wait_until(lambda: not any(map(_running, horses)), 10), "a horse outlived kill"

    def stop(self) -> None:
        """Ask the worker to stop (warm shutdown), then make sure the group is gone."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        self.kill()


def worker_env(database_url: str, redis_url: str, prefix: str, **extra: str) -> dict[str, str]:
    """Return the environment of a worker process sharing the test's database and Redis."""
    env = os.environ | {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "QUEUE_PREFIX": prefix,
        "SECRET_KEY": "test-secret-key-with-enough-length-0123456789",
        "ENCRYPTION_KEY": "test-encryption-key",
        "TICKER_SECONDS": "1",
        "PYTHONPATH": str(ROOT),
    }
    return env | extra
