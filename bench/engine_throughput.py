"""Engine throughput: events/s through N active automations vs the no-op job rate; backtests.

Run: python -m bench.engine_throughput [--quick] [--customers 100000 --automations 50 --orders 500]
[--skip-backtest | --only-backtest]
Uses DATABASE_URL / REDIS_URL when set, else a temporary SQLite file and in-process queue.
Prints `engine_events_per_s <rate> baseline <no-op jobs/s> ratio <x>` and
`backtest_events_per_s <rate> events <n> seconds <s> cpu_seconds <s> cpu_events_per_s <rate>`
(CPU: this process's, its reader thread included, not PostgreSQL's). With REDIS_URL and
PostgreSQL it also starts real worker processes (`python -m ecomapp.jobs.worker`) on the same
store, one then two, and prints
`engine_worker_events_per_s <rate of one worker> baseline <no-op jobs/s> ratio <x>`,
`engine_scaleout_2v1 <rate with 2> baseline <rate with 1> ratio <x>` (until the engine's jobs
are done) and `engine_pipeline_scaleout_2v1` (until every job they queued is done too), each
the median of `--scaleout-rounds` rounds of one worker, then two.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from bench.settle import settle
from ecomapp import create_app
from ecomapp.automation.backtest import simulate
from ecomapp.automation.library import save_automation, set_enabled
from ecomapp.automation.recipes import build_recipe
from ecomapp.config import Settings
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.queue import QUEUES, enqueue_after_commit, get_queue
from ecomapp.mirror.orders import apply_order
from ecomapp.mirror.records import CustomerRecord, LineRecord, OrderRecord
from ecomapp.models import Customer, Event, PendingEvent, Run, Store


def noop(n: int) -> None:
    """Do nothing: the baseline job."""


def _app(tmp: Path) -> Flask:
    settings = Settings.from_env()
    if not settings.database_url:
        settings = replace(settings, database_url=f"sqlite:///{tmp / 'bench.sqlite3'}")
    return create_app(settings)


def _definitions(count: int) -> list[dict[str, Any]]:
    """Return a mix of realistic automations: recipes plus order rules with conditions."""
    base = [
        build_recipe("first_order_vip", {})[1],
        build_recipe("spend_groups", {})[1],
        build_recipe("b2b_routing", {})[1],
        build_recipe("review_request", {})[1],
    ]
    vendors = ("Trailhead", "Northpeak", "Riverstone", "Cedar & Co", "Summit Gear")
    out = list(base)
    i = 0
    while len(out) < count:
        field = ("order.line_items.vendor", "order.shipping_method", "order.gateway")[i % 3]
        value = (vendors[i % 5], "Express", "paypal")[i % 3]
        out.append(
            {
                "trigger": {"event": ("order.created", "order.paid")[i % 2]},
                "conditions": {
                    "all": [
                        {"field": field, "op": "=", "value": value},
                        {"field": "order.total_price", "op": ">", "value": 20 + i},
                    ]
                },
                "steps": [{"type": "action", "action": "tag_order", "params": {"tags": [f"r{i}"]}}],
            }
        )
        i += 1
    return out[:count]


def _timed_drain(app: Flask) -> float:
    started = time.perf_counter()
    drain(app)
    return time.perf_counter() - started


def noop_rate(app: Flask, jobs: int) -> float:
    """Return no-op jobs per second through the same queue and runner.

    The queues are emptied first: jobs another bench left on this Redis database (the mail
    bench's deliveries, for one) are not no-ops, and a thousand of them once cut this baseline
    from about 200 to 25 jobs/s.
    """
    for name in QUEUES:
        get_queue(name).empty()
    for i in range(jobs):
        enqueue_after_commit(noop, i)
    db.session.commit()
    return jobs / _timed_drain(app)


def _order(i: int, customer_pid: str, now: datetime) -> OrderRecord:
    placed = now - timedelta(seconds=i)
    return OrderRecord(
        platform_id=f"bench-o{i}",
        name=f"#B{i}",
        customer=CustomerRecord(platform_id=customer_pid),
        total_price=Decimal(30 + i % 400),
        financial_status="paid",
        gateway=("shopify_payments", "paypal")[i % 2],
        shipping_method=("Standard", "Express")[i % 2],
        placed_at=placed,
        paid_at=placed,
        updated_at=placed,
        lines=[
            LineRecord(
                platform_id=f"bl{i}",
                title="Rain Shell",
                quantity=1,
                price=Decimal(30),
                vendor="Trailhead",
            )
        ],
    )


def _apply_orders(store: Store, orders: int, first: int) -> int:
    """Apply `orders` new orders numbered from `first`; return how many events they recorded."""
    known = max(1, _customers(store))
    now = datetime.now(UTC)
    last = db.session.scalar(select(func.max(Event.id))) or 0
    for i in range(first, first + orders):
        apply_order(store, _order(i, f"demo-c{1 + (i * 7919) % known}", now))
    db.session.commit()
    return int(db.session.scalar(select(func.count(Event.id)).where(Event.id > last)) or 0)


def _engine_busy(store: Store, queue: Any) -> bool:
    """Return whether the store has pending events or an engine job queued or running.

    Cheap, because it runs every 50 ms on the cores it measures: one count, and each queued or
    running job's description (one pipelined HGET each) instead of loading whole jobs, whose
    arguments hold batches of event ids.
    """
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    from ecomapp.automation.batch import JOB

    pending = db.session.scalar(
        select(func.count()).select_from(PendingEvent).where(PendingEvent.store_id == store.id)
    )
    db.session.commit()
    if pending:
        return True
    ids = StartedJobRegistry(queue=queue).get_job_ids() + queue.get_job_ids()
    pipe = queue.connection.pipeline(transaction=False)
    for job_id in ids:
        pipe.hget(Job.key_for(job_id), "description")
    return any(d is not None and JOB.encode() in d for d in pipe.execute())


def _wait(busy: Any) -> None:
    """Wait until `busy()` is false twice in a row (a job between dequeue and start is seen)."""
    quiet = 0
    while quiet < 2:
        time.sleep(0.05)
        quiet = quiet + 1 if not busy() else 0


def _workers_ready(pids: set[int]) -> bool:
    from rq import Worker

    from ecomapp.jobs.queue import redis_connection

    return pids <= {w.pid for w in Worker.all(connection=redis_connection())}


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Stop the idle workers; kill any that hang (RQ's pub/sub thread may wait a minute)."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _log() -> Any:
    """Return where worker processes write their log (BENCH_WORKER_LOG, else nowhere)."""
    path = os.environ.get("BENCH_WORKER_LOG")
    return open(path, "a") if path else subprocess.DEVNULL


def worker_rate(store: Store, orders: int, first: int, workers: int) -> tuple[int, float, float]:
    """Time real worker processes through the store's events: (events, engine s, all s).

    The engine's time ends when no event is pending and no engine job is queued or running;
    the whole time when the jobs the batches queued (batch subscribers, the mailer's rendering
    and deliveries) are done too. Those queue behind the engine's jobs, so with two workers
    they mostly run after both engine jobs, as with one.
    """
    from rq.registry import StartedJobRegistry

    from ecomapp.automation.batch import wake

    events = _apply_orders(store, orders, first)
    queue = get_queue()
    queue.empty()  # the mailer's per-event jobs are not the engine's
    command = [sys.executable, "-m", "ecomapp.jobs.worker", "--no-ticker"]
    procs = [
        subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=_log())
        for _ in range(workers)
    ]
    try:
        while not _workers_ready({proc.pid for proc in procs}):
            time.sleep(0.1)
        started = time.perf_counter()
        wake(store.id, force=True)
        _wait(lambda: _engine_busy(store, queue))
        engine = time.perf_counter() - started - 0.05
        _wait(lambda: queue.count > 0 or StartedJobRegistry(queue=queue).count > 0)
        whole = time.perf_counter() - started - 0.05
    finally:
        _stop(procs)
    return events, engine, whole


def scaleout(
    store: Store, orders: int, rounds: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Return the store's median rates with one worker process and with two: (engine, whole).

    Each round times one worker, then two, on new orders; a round takes a few seconds, so one
    busy second moves a single round's ratio by a tenth. The medians of `rounds` are reported
    and every round is printed.
    """
    ones, twos = [], []
    url = db.engine.url.render_as_string(hide_password=False)
    for r in range(rounds):
        # Each side starts on a quiet machine: autovacuum on what the seed and the earlier
        # phases wrote took a core from the first rounds (1.58 and 1.60 beside a third's 1.73).
        print(f"scale-out round {r + 1}, one worker: {settle(url).describe()}")
        one = worker_rate(store, orders, 1_000_000 + r * orders, 1)
        print(f"scale-out round {r + 1}, two workers: {settle(url).describe()}")
        two = worker_rate(store, orders, 2_000_000 + r * orders, 2)
        ones.append((one[0] / one[1], one[0] / one[2]))
        twos.append((two[0] / two[1], two[0] / two[2]))
        print(
            f"scale-out round {r + 1}: one worker {ones[-1][0]:.0f} ev/s, two "
            f"{twos[-1][0]:.0f} ev/s, ratio {twos[-1][0] / ones[-1][0]:.2f} "
            f"(whole pipeline {twos[-1][1] / ones[-1][1]:.2f})"
        )
    return _medians(ones), _medians(twos)


def _medians(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def event_rate(app: Flask, store: Store, orders: int) -> tuple[int, float, int]:
    """Apply orders (events recorded), then time the engine's store jobs: (events, s, runs)."""
    from ecomapp.automation.batch import wake

    events = _apply_orders(store, orders, 0)
    get_queue().empty()  # other subscribers' jobs (the mailer's) are not the engine's
    wake(store.id, force=True)
    seconds = _timed_drain(app)
    runs = db.session.scalar(select(func.count(Run.id)).where(Run.store_id == store.id))
    return events, seconds, int(runs or 0)


def _customers(store: Store) -> int:
    return int(
        db.session.scalar(select(func.count(Customer.id)).where(Customer.store_id == store.id))
    )


QUICK = {
    "customers": 2000,
    "orders": 300,
    "noop_jobs": 300,
    "scaleout_rounds": 1,
    "backtest_customers": 1000,
    "backtest_days": 365,
}


def main() -> None:
    """Seed, measure and print."""
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI and laptops")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--automations", type=int, default=50)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--noop-jobs", type=int, default=1000)
    parser.add_argument("--backtest-customers", type=int, default=100_000)
    parser.add_argument("--backtest-days", type=int, default=365)
    parser.add_argument(
        "--scaleout-rounds", type=int, default=3, help="one-then-two worker rounds (median)"
    )
    parser.add_argument("--skip-backtest", action="store_true", help="engine figures only")
    parser.add_argument(
        "--only-backtest", action="store_true", help="backtest figures only (no engine phases)"
    )
    args = parser.parse_args()
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        with app.app_context():
            upgrade()
            _run(app, args)
            db.session.remove()
            db.engine.dispose()


def _run(app: Flask, args: argparse.Namespace) -> None:
    print(
        f"database: {db.engine.url.get_backend_name()}, queue: "
        f"{'redis' if app.config['SETTINGS'].redis_url else 'in-process (fakeredis)'}"
    )
    if args.only_backtest:
        _seeded_backtest(args.backtest_customers, args.backtest_days)
        return
    started = time.perf_counter()
    store = db.session.get(Store, seed_demo(SeedSize(customers=args.customers)).store_id)
    print(f"seeded {args.customers:,} customers in {time.perf_counter() - started:.1f}s")
    _settle()
    if args.backtest_customers == args.customers and not args.skip_backtest:
        _backtest(store, args.customers, args.backtest_days)
    for definition in _definitions(args.automations):
        set_enabled(save_automation(store, "bench", definition), True)
    db.session.commit()
    baseline = noop_rate(app, args.noop_jobs)
    events, seconds, runs = event_rate(app, store, args.orders)
    rate = events / seconds
    print(f"no-op jobs:        {baseline:8.1f} jobs/s ({args.noop_jobs} jobs)")
    print(
        f"engine events:     {rate:8.1f} events/s ({events} events, {args.automations} "
        f"automations, {runs} runs)"
    )
    print(f"engine_events_per_s {rate:.1f} baseline {baseline:.1f} ratio {rate / baseline:.2f}")
    if app.config["SETTINGS"].redis_url and db.engine.dialect.name == "postgresql":
        one, two = scaleout(store, args.orders, args.scaleout_rounds)
        print(
            f"engine_worker_events_per_s {one[0]:.1f} baseline {baseline:.1f} ratio "
            f"{one[0] / baseline:.2f}"
        )
        print(f"engine_scaleout_2v1 {two[0]:.1f} baseline {one[0]:.1f} ratio {two[0] / one[0]:.2f}")
        print(
            f"engine_pipeline_scaleout_2v1 {two[1]:.1f} baseline {one[1]:.1f} ratio "
            f"{two[1] / one[1]:.2f}"
        )
    if args.backtest_customers != args.customers and not args.skip_backtest:
        _seeded_backtest(args.backtest_customers, args.backtest_days)


def _seeded_backtest(customers: int, days: int) -> None:
    """Seed a store of this size and history, then time the backtests on it."""
    started = time.perf_counter()
    seeded = seed_demo(SeedSize(customers=customers, days=days))
    print(f"seeded {customers:,} customers in {time.perf_counter() - started:.1f}s")
    _settle()
    _backtest(db.session.get(Store, seeded.store_id), customers, days)


def _settle() -> None:
    """PostgreSQL: vacuum what the seed bulk-loaded, as autovacuum does on a store in use.

    Otherwise the first backtests after the seed share the machine with autovacuum and pay
    for setting the fresh rows' hint bits, which a store with a year of history paid long ago.
    """
    if db.engine.dialect.name != "postgresql":
        return
    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) orders, customers, line_items, addresses"))
    print(f"vacuumed the seeded tables in {time.perf_counter() - started:.1f}s")


def _backtest(store: Store, customers: int, days: int) -> None:
    total_events, total_seconds, total_cpu = 0, 0.0, 0.0
    for key in ("first_order_vip", "spend_groups", "review_request", "welcome"):
        definition = build_recipe(key, {})[1]
        started, cpu = time.perf_counter(), time.process_time()
        summary = simulate(store, definition, days, datetime.now(UTC))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        total_events += summary["events"]
        total_seconds += elapsed
        total_cpu += cpu
        print(
            f"backtest {days} days, {customers:,} customers, {key:16s}: {elapsed:6.2f}s "
            f"(CPU {cpu:5.2f}s; {summary['events']} events, {summary['matched']} runs)"
        )
    rate = total_events / total_seconds
    print(
        f"backtest_events_per_s {rate:.1f} events {total_events} seconds {total_seconds:.2f} "
        f"cpu_seconds {total_cpu:.2f} cpu_events_per_s {total_events / total_cpu:.1f}"
    )


if __name__ == "__main__":
    main()
