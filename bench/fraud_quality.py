"""Benchmark: fraud scoring quality on a labelled history, and its cost next to ingest.

Run: python -m bench.fraud_quality [--quick] [--customers N] [--database-url URL]
Generates a labelled store history (fraud planted among legitimate noise; 100,000 customers by
default), writes all but its last `--arrivals` orders into the mirror in bulk (COPY on
PostgreSQL, `bench/fraud_store.py`), then delivers those last orders one by one through the demo
door and the ingest job (the baseline, timed per order) and scores each of them with the
screening action's own function (`score_stored_order`: load one order's facts, score with the
store's settings; timed per order, inside an open transaction that then commits, as in a run).
It prints the p50 and p95 of both and their ratio, the round trips to PostgreSQL per order,
then precision, recall and F1 of the default settings (flagged = level high) next to each
signal used alone, over a sample of the store's orders scored in batches, as
`fraud_<name> <value> baseline <value> ratio <x>`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event

from bench.big_store import recreate_database, vacuum
from bench.fraud_store import write_history
from ecomapp import create_app
from ecomapp.automation.fraud_screening import score_stored_order
from ecomapp.config import Settings
from ecomapp.extensions import db
from ecomapp.insights.fraud import FraudSettings, OrderFacts, score_order
from ecomapp.insights.fraud.mirror_facts import load_order_facts
from ecomapp.insights.fraud.settings import SIGNALS
from ecomapp.insights.fraud.synthetic import LabelledOrder, labelled_history
from ecomapp.jobs.ingest import ingest_delivery
from ecomapp.jobs.inprocess import drain
from ecomapp.models import Store
from ecomapp.platforms.demo_payloads import to_payload
from ecomapp.webhooks.inbox import record_delivery

BATCH = 500
SERVER_SAMPLE = 100  # arriving orders whose statements are run again under EXPLAIN ANALYZE


@dataclass(frozen=True)
class Quality:
    """Precision, recall and F1 of one setting over the labelled orders."""

    precision: float
    recall: float

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def ingest_arrivals(
    app: Flask, store: Store, arrivals: list[LabelledOrder]
) -> tuple[dict[int, bool], list[float]]:
    """Deliver each order through the demo door and run its ingest job; return
    {order id: is fraud} and the seconds each order took."""
    truth: dict[int, bool] = {}
    seconds = []
    for i, labelled in enumerate(arrivals):
        body = json.dumps(to_payload(labelled.record)).encode()
        started = time.perf_counter()
        row_id, _ = record_delivery("demo", f"arrival-{i}", "order", body, store_id=store.id)
        assert row_id is not None
        ingest_delivery(row_id)
        seconds.append(time.perf_counter() - started)
        truth[_order_id(store, labelled)] = labelled.fraud
    drain(app)  # the queued copies of the jobs find their rows done
    return truth, seconds


def _order_id(store: Store, labelled: LabelledOrder) -> int:
    from ecomapp.mirror.orders import find_order

    order = find_order(store, labelled.record.platform_id)
    assert order is not None
    return order.id


def load_and_score(store: Store, ids: list[int]) -> tuple[dict[int, OrderFacts], float]:
    """Load facts in batches and score them with the defaults; return facts and seconds."""
    facts: dict[int, OrderFacts] = {}
    started = time.perf_counter()
    for at in range(0, len(ids), BATCH):
        batch = load_order_facts(store.id, ids[at : at + BATCH])
        for one in batch.values():
            score_order(one)
        facts.update(batch)
    return facts, time.perf_counter() - started


def score_one_by_one(store: Store, ids: list[int]) -> tuple[list[float], list[float]]:
    """Return the seconds of the action's path for each order (`score_stored_order`):
    wall-clock, and CPU of this process (meaningful when the machine is busy).

    As in a run, the order is scored inside a transaction already open, with the store loaded
    (the run read its rows first), and the transaction then commits: a rollback would also
    make psycopg forget its prepared statements, which a live worker keeps.
    """
    seconds, cpu = [], []
    for oid in ids:
        _open_run_transaction(store)
        started, cpu_started = time.perf_counter(), time.process_time()
        score_stored_order(store, oid)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        db.session.commit()  # the run's own transaction ends after the step (nothing written)
    return seconds, cpu


def _open_run_transaction(store: Store) -> None:
    """Begin a transaction and load the store (expired by the last commit), as a run has."""
    db.session.refresh(store)


def round_trips(store: Store, ids: list[int]) -> list[int]:
    """Return the round trips to PostgreSQL of each order's scoring (libpq's protocol trace:
    one ReadyForQuery per exchange), not counting the run's BEGIN and COMMIT."""
    counts = []
    with tempfile.NamedTemporaryFile("w+") as trace:
        for oid in ids:
            _open_run_transaction(store)
            pgconn = db.session.connection().connection.driver_connection.pgconn  # type: ignore[union-attr]
            trace.seek(0)
            trace.truncate()
            pgconn.trace(trace.fileno())
            score_stored_order(store, oid)
            pgconn.untrace()
            db.session.commit()
            trace.seek(0)
            counts.append(sum("\tB\t" in ln and "ReadyForQuery" in ln for ln in trace))
    return counts


def server_ms(store: Store, ids: list[int]) -> list[float]:
    """Return the database's own time (planning + execution, EXPLAIN ANALYZE) of the
    statements that load each order's facts; PostgreSQL only."""
    statements: list[tuple[str, object]] = []

    def grab(conn: object, cursor: object, sql: str, params: object, *_: object) -> None:
        statements.append((sql, params))

    totals = []
    for oid in ids:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            load_order_facts(store.id, [oid])
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
        db.session.rollback()
        totals.append(sum(_explained_ms(sql, params) for sql, params in statements))
    return totals


def _explained_ms(sql: str, params: Any) -> float:
    rows = db.session.connection().exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
    plan = rows.scalar_one()[0]
    db.session.rollback()
    return float(plan["Planning Time"]) + float(plan["Execution Time"])


def quality(
    facts: dict[int, OrderFacts], truth: dict[int, bool], settings: FraudSettings
) -> Quality:
    """Return precision and recall of orders flagged (level high) under these settings."""
    flagged = {oid for oid, f in facts.items() if score_order(f, settings).flagged}
    fraud = {oid for oid, is_fraud in truth.items() if is_fraud}
    hits = len(flagged & fraud)
    return Quality(hits / len(flagged) if flagged else 0.0, hits / len(fraud) if fraud else 0.0)


def line(name: str, value: float, baseline: float) -> str:
    """Return one result line in the form the bench driver parses."""
    ratio = value / baseline if baseline else float("inf")
    return f"fraud_{name} {value:.4f} baseline {baseline:.4f} ratio {ratio:.2f}"


def p(values: list[float], share: float) -> float:
    """Return the share-quantile of values (0.5: median), in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report_cost(
    ingest_s: list[float], score_s: list[float], batched_s: float, n: int, cpu_s: list[float]
) -> None:
    """Print scoring time per order next to the same orders' ingest time (p50, p95)."""
    print(f"# {len(score_s)} arriving orders: ingest (door + job) vs scoring, per order")
    print(f"# ingest p50 {p(ingest_s, 0.5):.2f} ms p95 {p(ingest_s, 0.95):.2f} ms")
    print(f"# score  p50 {p(score_s, 0.5):.2f} ms p95 {p(score_s, 0.95):.2f} ms")
    print(f"# score  cpu of this process p50 {p(cpu_s, 0.5):.2f} ms p95 {p(cpu_s, 0.95):.2f} ms")
    print(line("score_ms_per_order", p(score_s, 0.5), p(ingest_s, 0.5)))
    print(line("score_p95_ms_per_order", p(score_s, 0.95), p(ingest_s, 0.95)))
    mean = statistics.mean(ingest_s) * 1000
    print(line("score_ms_per_order_batched", 1000 * batched_s / n, mean))


def report_server(store: Store, ids: list[int]) -> None:
    """Print the database's own time per scored order (PostgreSQL's EXPLAIN ANALYZE) and the
    round trips per order."""
    if db.engine.dialect.name != "postgresql":
        return
    trips = round_trips(store, ids)
    print(f"# score  round trips per order over {len(ids)} orders", end=" ")
    print(f"mean {statistics.mean(trips):.2f} min {min(trips)} max {max(trips)}")
    ms = [m / 1000 for m in server_ms(store, ids)]
    print(f"# score  server (planning + execution) over {len(ids)} orders", end=" ")
    print(f"p50 {p(ms, 0.5):.2f} ms p95 {p(ms, 0.95):.2f} ms")
    print(f"# load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


def report_quality(facts: dict[int, OrderFacts], truth: dict[int, bool]) -> None:
    """Print quality of the defaults and of each signal alone."""
    default = quality(facts, truth, FraudSettings())
    singles = {name: quality(facts, truth, FraudSettings().only(name)) for name in SIGNALS}
    best = max(singles.values(), key=lambda q: q.f1)
    print(f"# {len(truth)} orders, {sum(truth.values())} planted fraud; flagged = level high")
    print(line("precision", default.precision, 0.8))
    print(line("recall", default.recall, 0.8))
    print(line("f1", default.f1, best.f1))
    for name, single in singles.items():
        print(f"# alone {name:24s} precision {single.precision:.3f} recall {single.recall:.3f}")
        print(line(f"f1_{name}_alone", single.f1, default.f1))


def open_app(database_url: str | None, tmp: Path) -> Flask:
    """Return the app on a fresh database (the given PostgreSQL one recreated, else SQLite)."""
    if database_url:
        recreate_database(database_url)
    url = database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app(Settings(database_url=url))
    with app.app_context():
        upgrade()
    return app


def run(app: Flask, history: list[LabelledOrder], arrivals: int, sample: int) -> None:
    """Bulk-write the history, time the arrivals' ingest and scoring, then measure quality."""
    kept, arriving = history[:-arrivals], history[-arrivals:]
    with app.app_context():
        store = Store(platform="demo", domain="fraud.bench", name="fraud bench")
        db.session.add(store)
        db.session.commit()
        store_id = store.id
        started = time.perf_counter()
        truth = write_history(store_id, kept)
        print(f"# wrote {len(kept):,} orders in bulk in {time.perf_counter() - started:.1f}s")
    vacuum(app)
    with app.app_context():
        found = db.session.get(Store, store_id)
        assert found is not None
        store = found
        arrived, ingest_s = ingest_arrivals(app, store, arriving)
        score_s, cpu_s = score_one_by_one(store, list(arrived))
        picked = random.Random(1).sample(list(truth), min(sample or len(truth), len(truth)))
        ids = [*picked, *arrived]
        facts, batched_s = load_and_score(store, ids)
        report_cost(ingest_s, score_s, batched_s, len(ids), cpu_s)
        report_server(store, list(arrived)[:SERVER_SAMPLE])
        report_quality(facts, {oid: (truth | arrived)[oid] for oid in ids})


def main() -> None:
    """Generate, write, ingest, score and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small store (3,000 customers)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--arrivals", type=int, default=500, help="orders through the door")
    parser.add_argument("--sample", type=int, default=20_000, help="orders scored for quality")
    parser.add_argument("--database-url", help="a throw-away PostgreSQL database (recreated)")
    args = parser.parse_args()
    customers = 3000 if args.quick else args.customers
    started = time.perf_counter()
    history = labelled_history(customers)
    print(f"# {customers:,} customers: {len(history):,} orders generated", end=" ")
    print(f"in {time.perf_counter() - started:.1f}s")
    with tempfile.TemporaryDirectory() as tmp:
        run(open_app(args.database_url, Path(tmp)), history, args.arrivals, args.sample)


if __name__ == "__main__":
    main()
