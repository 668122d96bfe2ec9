"""Benchmark: fraud scoring quality on a labelled history, and its cost next to ingest.

Run: python -m bench.fraud_quality [--quick] [--customers N]
Generates a labelled store history (fraud planted among legitimate noise), ingests it into the
mirror (timed: the baseline), loads each order's facts with the set-based queries and scores it
(timed), then prints precision, recall and F1 of the default settings at the default threshold
(level high) next to each signal used alone, as `fraud_<name> <value> baseline <value> ratio <x>`.
The scoring cost is printed for one order at a time (what the screening action does per order)
and in batches (what the backtest does), each next to the ingest time per order of the same run.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from flask_migrate import upgrade

from ecomapp import create_app
from ecomapp.extensions import db
from ecomapp.insights.fraud import FraudSettings, OrderFacts, score_order
from ecomapp.insights.fraud.mirror_facts import load_order_facts
from ecomapp.insights.fraud.settings import SIGNALS
from ecomapp.insights.fraud.synthetic import LabelledOrder, labelled_history
from ecomapp.mirror.orders import apply_order
from ecomapp.models import Store
from tests.conftest import make_settings

BATCH = 500


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


def ingest(store: Store, history: list[LabelledOrder]) -> tuple[dict[int, bool], float]:
    """Apply every order to the mirror; return {order id: is fraud} and seconds taken."""
    truth: dict[int, bool] = {}
    started = time.perf_counter()
    for i, labelled in enumerate(history):
        truth[apply_order(store, labelled.record).id] = labelled.fraud
        if i % BATCH == BATCH - 1:
            db.session.commit()
    db.session.commit()
    return truth, time.perf_counter() - started


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


def score_one_by_one(store: Store, ids: list[int], sample: int = 500) -> float:
    """Return seconds per order of the action's path: load one order's facts, score it."""
    picked = random.Random(1).sample(ids, min(sample, len(ids)))
    started = time.perf_counter()
    for oid in picked:
        score_order(load_order_facts(store.id, [oid])[oid])
        db.session.rollback()  # the action's own transaction ends after each order
    return (time.perf_counter() - started) / len(picked)


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


def report(
    facts: dict[int, OrderFacts],
    truth: dict[int, bool],
    ingest_s: float,
    score_s: float,
    one_s: float,
) -> None:
    """Print quality of the defaults and of each signal alone, and the cost ratio."""
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
    n = len(truth)
    print(f"# scoring cost: one order at a time (the action) and in batches of {BATCH} (backtest)")
    print(line("score_ms_per_order", 1000 * one_s, 1000 * ingest_s / n))
    print(line("score_ms_per_order_batched", 1000 * score_s / n, 1000 * ingest_s / n))


def main() -> None:
    """Generate, ingest, score and print on a fresh SQLite database."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a small store (300 customers)")
    parser.add_argument("--customers", type=int, default=3000)
    args = parser.parse_args()
    history = labelled_history(300 if args.quick else args.customers)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app(make_settings(database_url=url), SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            store = Store(platform="demo", domain="fraud.bench", name="fraud bench")
            db.session.add(store)
            db.session.commit()
            truth, ingest_s = ingest(store, history)
            facts, score_s = load_and_score(store, list(truth))
            report(facts, truth, ingest_s, score_s, score_one_by_one(store, list(truth)))


if __name__ == "__main__":
    main()
