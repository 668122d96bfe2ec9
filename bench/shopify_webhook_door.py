"""The Shopify webhook door under real gunicorn, against a bare Flask endpoint in the same run.

Run: python bench/shopify_webhook_door.py [--quick] [--seconds 10] [--workers 2] [--clients 8]
     DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ecomapp_shopify_trust_bench \\
     REDIS_URL=redis://127.0.0.1:6379/1 python bench/shopify_webhook_door.py

Both apps run under the same gunicorn command line on loopback with the web dyno's settings
(`gunicorn.conf.py`: threaded workers), one TCP connection per request, as Shopify delivers.
The bench first drives each at full load with closed-loop clients (requests/s), then sends
signed deliveries to the door at half of its own maximum from open-loop clients, each latency
measured from the moment the request was due (so a stalled server shows up in the tail), and
the same rate to the bare app (the machine's own tail). Every door request is a new signed
`orders/create` delivery of Shopify's sample order: HMAC, header/payload checks, one INSERT,
commit, enqueue. `--threads 1` runs both under sync workers instead.
Without DATABASE_URL a temporary SQLite file is used; without REDIS_URL each worker enqueues
into its in-process queue (fakeredis), which nothing drains.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, request

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "shpss_" + "0" * 32
SHOP = "bench-shop.myshopify.com"
SAMPLE = ROOT / "tests/fakes/shopify/orders_create.json"
BODY = json.dumps(json.loads(SAMPLE.read_text()), separators=(",", ":")).encode()
SIGNATURE = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()
GOAL_RATIO, GOAL_P99_MS = 0.30, 50.0
QUEUE_PREFIX = "bench-door"


def bare_app() -> Flask:
    """Return the baseline: a Flask app whose one endpoint reads the body and answers 200."""
    app = Flask("bare")

    @app.post("/webhooks/shopify")
    def receive() -> tuple[str, int]:
        request.get_data(cache=False)
        return "", 200

    @app.get("/health")
    def health() -> str:
        return "ok"

    return app


def door_app() -> Flask:
    """Return the real app (settings from the environment), as `gunicorn app:app` serves it."""
    from ecomapp import create_app

    return create_app()


# --- load generation (runs in client processes) ------------------------------------------------


def _headers() -> dict[str, str]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": SIGNATURE,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": now,
        "X-Shopify-Event-Id": str(uuid.uuid4()),
    }


def _post(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/webhooks/shopify", body=BODY, headers=_headers())
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"answered {response.status}")
    finally:
        conn.close()


def _closed_loop(port: int, seconds: float) -> int:
    """Send requests back to back for `seconds`; return how many were answered."""
    done, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        _post(port)
        done += 1
    return done


def _open_loop(port: int, rate: float, seconds: float, offset: float) -> list[float]:
    """Send at `rate`/s on a fixed schedule; return latencies (ms) from each due time."""
    start = time.perf_counter() + offset
    latencies, n = [], 0
    while (due := start + n / rate) < start + seconds:
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        _post(port)
        latencies.append((time.perf_counter() - due) * 1000)
        n += 1
    return latencies


# --- servers -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def worker_cpu_seconds(master: int) -> float:
    """Return the CPU seconds (user + system) used so far by a gunicorn master's workers."""
    total = 0.0
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass
class Server:
    """A running gunicorn: its port and master pid."""

    port: int
    pid: int


@contextmanager
def gunicorn(target: str, workers: int, threads: int, env: dict[str, str]) -> Iterator[Server]:
    """Serve `target` (module:factory()) with gunicorn on a free loopback port."""
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    if threads:  # else the config's worker class and threads
        kind = ["sync"] if threads == 1 else ["gthread", "--threads", str(threads)]
        command += ["--worker-class", *kind]
    command += ["--log-level", "warning", target]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        _wait_ready(port, process)
        yield Server(port, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def max_rate(server: Server, clients: int, seconds: float) -> tuple[float, float]:
    """Return (requests/s, worker CPU ms per request) with `clients` closed-loop clients."""
    ports = [server.port] * clients
    with ProcessPoolExecutor(clients) as pool:
        list(pool.map(_closed_loop, ports, [1.0] * clients))  # warm every worker
        cpu, start = worker_cpu_seconds(server.pid), time.perf_counter()
        done = sum(pool.map(_closed_loop, ports, [seconds] * clients))
        elapsed, cpu = time.perf_counter() - start, worker_cpu_seconds(server.pid) - cpu
    return done / elapsed, cpu * 1000 / done


def latencies_at(port: int, rate: float, clients: int, seconds: float) -> list[float]:
    """Return latencies (ms) of requests sent at `rate`/s spread over `clients` processes."""
    each = rate / clients
    offsets = [i / rate for i in range(clients)]
    with ProcessPoolExecutor(clients) as pool:
        runs = pool.map(
            _open_loop, [port] * clients, [each] * clients, [seconds] * clients, offsets
        )
        return sorted(x for run in runs for x in run)


# --- setup -------------------------------------------------------------------------------------


def prepare_database(url: str) -> None:
    """Create the database if needed, migrate it, and make sure the bench shop is installed."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, delete, select, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    from ecomapp import create_app
    from ecomapp.config import Settings, database_url
    from ecomapp.extensions import db
    from ecomapp.models import InboxDelivery, Platform, Store

    sa_url = make_url(database_url(url, tempfile.gettempdir()))
    if sa_url.get_backend_name() == "postgresql":
        admin = create_engine(
            sa_url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": sa_url.database}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{sa_url.database}"'))
        admin.dispose()
    app = create_app(Settings(database_url=url))
    with app.app_context():
        upgrade()
        db.session.execute(delete(InboxDelivery).where(InboxDelivery.shop_domain == SHOP))
        if db.session.scalar(select(Store).where(Store.domain == SHOP)) is None:
            db.session.add(Store(platform=Platform.SHOPIFY.value, domain=SHOP, name="bench"))
        db.session.commit()
        db.engine.dispose()


def drop_queued_jobs(redis_url: str | None) -> None:
    """Empty the bench's queues on a real Redis (nothing drains them)."""
    if redis_url:
        from redis import Redis
        from rq import Queue

        from ecomapp.jobs.queue import QUEUES

        for name in QUEUES:  # the door wakes inbox drains on `ingest`
            Queue(f"{QUEUE_PREFIX}-{name}", connection=Redis.from_url(redis_url)).empty()


def _percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s phases instead of 10 s")
    parser.add_argument("--seconds", type=float, default=None, help="length of each phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=0, help="threads per worker (1: sync; default: config)"
    )
    parser.add_argument("--clients", type=int, default=8, help="client processes")
    return parser.parse_args()


def report(
    door: float, baseline: float, latencies: list[float], bare: list[float], setup: str
) -> None:
    """Print one line per figure (and whether the goal was met)."""
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    half = f"at {door / 2:.0f} req/s (half of max)"
    met = door / baseline >= GOAL_RATIO and p99 < GOAL_P99_MS
    print(f"# {setup}")
    print(f"door_rps  {door:.0f}  baseline {baseline:.0f}  ratio {door / baseline:.2f}")
    print(f"door_p50_ms  {p50:.1f}  {half}, {len(latencies)} requests")
    print(f"door_p99_ms  {p99:.1f}  {half}")
    bare_p50, bare_p99 = _percentile(bare, 50), _percentile(bare, 99)
    print(f"bare_p50_ms  {bare_p50:.1f}  bare Flask at the same rate")
    print(f"bare_p99_ms  {bare_p99:.1f}  bare Flask at the same rate (the machine's own tail)")
    goal = f"ratio >= {GOAL_RATIO:.2f} and p99 < {GOAL_P99_MS:.0f} ms"
    print(f"goal  {goal}: {'met' if met else 'NOT met'}")


def main() -> None:
    """Measure the door and the baseline, then the door's latency at half its maximum."""
    args = _arguments()
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        prepare_database(url)
        env = os.environ | {"DATABASE_URL": url, "SHOPIFY_API_SECRET": SECRET}
        env |= {"SHOPIFY_API_KEY": "k", "ECOMAPP_ENV": "development", "PYTHONPATH": str(ROOT)}
        env |= {"QUEUE_PREFIX": QUEUE_PREFIX}
        servers = (args.workers, args.threads, env)
        with gunicorn("bench.shopify_webhook_door:bare_app()", *servers) as server:
            baseline, baseline_cpu = max_rate(server, args.clients, seconds)
        with gunicorn("bench.shopify_webhook_door:door_app()", *servers) as server:
            door, door_cpu = max_rate(server, args.clients, seconds)
            latencies = latencies_at(server.port, door / 2, args.clients, seconds)
        with gunicorn("bench.shopify_webhook_door:bare_app()", *servers) as server:
            bare = latencies_at(server.port, door / 2, args.clients, seconds)
    queue = "redis" if os.environ.get("REDIS_URL") else "in-process queue"
    drop_queued_jobs(os.environ.get("REDIS_URL"))
    kind = {0: "gunicorn.conf.py", 1: "sync"}.get(args.threads, f"gthread x{args.threads}")
    setup = f"gunicorn {args.workers} workers {kind}, {args.clients} clients, {seconds:g} s phases"
    report(door, baseline, latencies, bare, f"{setup}, {url.split(':', 1)[0]}, {queue}")
    print(f"door_cpu_ms  {door_cpu:.2f}  baseline {baseline_cpu:.2f}  (worker CPU per request)")


if __name__ == "__main__":
    main()
