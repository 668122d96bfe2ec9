"""Engine throughput: events/s through N active automations vs the no-op job rate; backtests.

Run: python -m bench.engine_throughput [--quick] [--customers 100000 --automations 50 --orders 500]
Uses DATABASE_URL / REDIS_URL when set, else a temporary SQLite file and in-process queue.
Prints `engine_events_per_s <rate> baseline <no-op jobs/s> ratio <x>` and
`backtest_events_per_s <rate> events <n> seconds <s>`.
"""

from __future__ import annotations

import argparse
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
from sqlalchemy import func, select

from ecomapp import create_app
from ecomapp.automation.backtest import simulate
from ecomapp.automation.library import save_automation, set_enabled
from ecomapp.automation.recipes import build_recipe
from ecomapp.config import Settings
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.queue import enqueue
from ecomapp.mirror.orders import apply_order
from ecomapp.mirror.records import CustomerRecord, LineRecord, OrderRecord
from ecomapp.models import Customer, Event, Run, Store


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
    """Return no-op jobs per second through the same queue and runner."""
    for i in range(jobs):
        enqueue(noop, i)
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


def event_rate(app: Flask, store: Store, orders: int) -> tuple[int, float, int]:
    """Apply orders (events recorded), then time the engine's store jobs: (events, s, runs)."""
    from ecomapp.automation.batch import wake
    from ecomapp.jobs.queue import get_queue

    known = max(1, _customers(store))
    pids = [f"demo-c{1 + (i * 7919) % known}" for i in range(orders)]
    now = datetime.now(UTC)
    last = db.session.scalar(select(func.max(Event.id))) or 0
    for i, pid in enumerate(pids):
        apply_order(store, _order(i, pid, now))
    db.session.commit()
    events = db.session.scalar(select(func.count(Event.id)).where(Event.id > last))
    get_queue().empty()  # other subscribers' jobs (the mailer's) are not the engine's
    wake(store.id, force=True)
    seconds = _timed_drain(app)
    runs = db.session.scalar(select(func.count(Run.id)).where(Run.store_id == store.id))
    return int(events or 0), seconds, int(runs or 0)


def _customers(store: Store) -> int:
    return int(
        db.session.scalar(select(func.count(Customer.id)).where(Customer.store_id == store.id))
    )


QUICK = {
    "customers": 2000,
    "orders": 300,
    "noop_jobs": 300,
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
    started = time.perf_counter()
    store = db.session.get(Store, seed_demo(SeedSize(customers=args.customers)).store_id)
    print(f"seeded {args.customers:,} customers in {time.perf_counter() - started:.1f}s")
    if args.backtest_customers == args.customers:
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
    if args.backtest_customers != args.customers:
        seeded = seed_demo(SeedSize(customers=args.backtest_customers, days=args.backtest_days))
        other = db.session.get(Store, seeded.store_id)
        _backtest(other, args.backtest_customers, args.backtest_days)


def _backtest(store: Store, customers: int, days: int) -> None:
    total_events, total_seconds = 0, 0.0
    for key in ("first_order_vip", "spend_groups", "review_request", "welcome"):
        definition = build_recipe(key, {})[1]
        started = time.perf_counter()
        summary = simulate(store, definition, days, datetime.now(UTC))
        elapsed = time.perf_counter() - started
        total_events += summary["events"]
        total_seconds += elapsed
        print(
            f"backtest {days} days, {customers:,} customers, {key:16s}: {elapsed:6.2f}s "
            f"({summary['events']} events, {summary['matched']} runs)"
        )
    rate = total_events / total_seconds
    print(f"backtest_events_per_s {rate:.1f} events {total_events} seconds {total_seconds:.2f}")


if __name__ == "__main__":
    main()
