"""Benchmark: recommendation quality on the demo store, and training cost on 1M order lines.

Run: python -m bench.reco_quality [--quick] [--customers N] [--products N] [--lines N]
Seeds the demo store (deterministic, with its co-purchase structure) in a fresh SQLite database,
holds out each repeat customer's last order and trains on everything else; then prints
hit-rate@10 (the held-out order holds one of the ten) and recall@10 (its share of the held-out
products found) of our model, of plain popularity and of implicit's ALS on the same split, as
`reco_<metric> <value> baseline <value> ratio <x>`. Last, training on N synthetic order lines
next to a plain SciPy co-occurrence (B.T @ B) of the same lines, best of three, interleaved.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ecomapp import create_app
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.recommendations.model import Lines, Params, as_matrix, interactions, recommend, train
from ecomapp.recommendations.training import as_lines, products, read_lines
from tests.conftest import make_settings

AS_OF = date(2026, 11, 30)
K = 10


def split(rows: list[tuple[int, int, int, datetime]]) -> tuple[np.ndarray, np.ndarray]:
    """Return (train mask, customer of each line): each repeat customer's last order held out."""
    customers = np.array([r[0] for r in rows], dtype=np.int64)
    orders = np.array([r[2] for r in rows], dtype=np.int64)
    stamps = np.array([r[3].timestamp() for r in rows])
    last: dict[int, tuple[float, int]] = {}
    for c, o, t in zip(customers.tolist(), orders.tolist(), stamps.tolist(), strict=True):
        if (t, o) > last.get(c, (-1.0, -1)):
            last[c] = (t, o)
    held_order = np.array([last[c][1] for c in customers.tolist()])
    orders_per = {c: set() for c in last}
    for c, o in zip(customers.tolist(), orders.tolist(), strict=True):
        orders_per[c].add(o)
    repeat = np.array([len(orders_per[c]) > 1 for c in customers.tolist()])
    return ~((orders == held_order) & repeat), customers


def scores_of(picks: np.ndarray, held: sp.csr_matrix) -> tuple[float, float]:
    """Return hit-rate@K and recall@K of each evaluated row's picks against its held-out row."""
    hits = np.zeros(picks.shape[0])
    for slot in range(picks.shape[1]):  # K columns, not one per customer
        col = picks[:, slot]
        ok = col >= 0
        hits[ok] += np.asarray(held[np.flatnonzero(ok), col[ok]]).ravel() > 0
    wanted = np.diff(held.indptr)
    return float(np.mean(hits > 0)), float(np.mean(hits / np.maximum(wanted, 1)))


def popular(history: sp.csr_matrix, pop: np.ndarray) -> np.ndarray:
    """Return the K most popular products each row has not bought."""
    ranked = np.argsort(-pop, kind="stable")[: K + 64]
    out = np.full((history.shape[0], K), -1, dtype=np.int64)
    owned = history[:, ranked].toarray() > 0
    for slot in range(K):  # the first not-owned product, K times
        first = np.argmax(~owned, axis=1)
        out[:, slot] = ranked[first]
        owned[np.arange(len(first)), first] = True
    return out


def als(history: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """Return implicit's ALS top K (what the customer bought left out) for the given rows.

    The settings are the best of a grid on this store (factors 16/64/128, regularization
    0.01/0.1/1, confidence 5/20/60): see docs/recommendations.md.
    """
    from implicit.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    model = AlternatingLeastSquares(factors=64, regularization=1.0, iterations=15, random_state=7)
    binary = history.copy()
    binary.data = np.full_like(binary.data, 5.0)  # confidence of a purchase
    with threadpool_limits(1, "blas"):  # implicit's advice: BLAS threads fight its own
        model.fit(binary, show_progress=False)
        ids, _ = model.recommend(rows, binary[rows], N=K, filter_already_liked_items=True)
    return np.asarray(ids, dtype=np.int64)


def evaluate(
    rows: list[tuple[int, int, int, datetime]],
    ids: np.ndarray,
    cats: np.ndarray,
    now: datetime,
) -> None:
    """Print hit-rate@K and recall@K of our model, popularity and ALS on the same split."""
    lines = as_lines(rows, ids, now)
    keep, _ = split(rows)
    pick = lambda a: a[keep]  # noqa: E731
    trained = Lines(
        pick(lines.customers),
        pick(lines.products),
        pick(lines.age_days),
        lines.n_customers,
        lines.n_products,
    )
    params = Params()
    history = interactions(trained, params)
    held_lines = ~keep
    held = sp.csr_matrix(
        (np.ones(int(held_lines.sum())), (lines.customers[held_lines], lines.products[held_lines])),
        shape=history.shape,
    )
    evaluated = np.flatnonzero(np.diff(held.indptr) > 0)
    held = held[evaluated]
    related = as_matrix(train(trained, cats, params), lines.n_products)
    ours = recommend(history[evaluated], related, K)
    base = popular(history[evaluated], np.asarray(history.sum(axis=0)).ravel())
    als_picks = als(history, evaluated)
    results = {
        name: scores_of(p, held)
        for name, p in (("model", ours), ("popularity", base), ("als", als_picks))
    }
    print(f"# {len(evaluated)} customers with a held-out last order, {lines.n_products} products")
    for name, (hit, recall) in results.items():
        print(f"# {name:10s} hit_rate@{K} {hit:.4f} recall@{K} {recall:.4f}")
    for i, metric in enumerate(("hit_rate", "recall")):
        ours_v = results["model"][i]
        for other in ("popularity", "als"):
            theirs = results[other][i]
            ratio = ours_v / theirs if theirs else float("inf")
            print(
                f"reco_{metric}_at_{K}_vs_{other} {ours_v:.4f} baseline {theirs:.4f} "
                f"ratio {ratio:.2f}"
            )


def train_cost(n_lines: int) -> None:
    """Print training seconds on n synthetic lines next to a plain SciPy co-occurrence."""
    rng = np.random.default_rng(7)
    n_customers, n_products = max(n_lines // 8, 1), 5000
    customers = rng.integers(0, n_customers, n_lines)
    kit = rng.integers(0, n_products // 4, n_lines) * 4  # lines fall in kits of four products
    products_ = np.minimum(kit + rng.integers(0, 4, n_lines), n_products - 1)
    lines = Lines(customers, products_, rng.uniform(0, 365, n_lines), n_customers, n_products)
    cats = np.arange(n_products) % 20
    ours, plain = [], []
    for _ in range(3):
        started = time.perf_counter()
        train(lines, cats, Params())
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        ones = np.ones(n_lines, dtype=np.float32)
        b = sp.csr_matrix((ones, (customers, products_)), shape=(n_customers, n_products))
        (b.T @ b).tocsr()
        plain.append(time.perf_counter() - started)
    label = f"reco_train_{n_lines // 1000}k_lines_seconds"
    print(f"{label} {min(ours):.3f} baseline {min(plain):.3f} ratio {min(ours) / min(plain):.2f}")


def main() -> None:
    """Seed, split, train and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a smaller store and 200k lines")
    parser.add_argument("--customers", type=int, default=6000)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    customers = 2000 if args.quick else args.customers
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app(make_settings(database_url=url), SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            size = SeedSize(customers=customers, products=args.products, as_of=AS_OF)
            store_id = seed_demo(size).store_id
            rows = read_lines(store_id)
            ids, cats = products(store_id)
            now = datetime.combine(AS_OF, clock(12), tzinfo=UTC)
            evaluate(rows, ids, cats, now)
    train_cost(200_000 if args.quick else args.lines)


if __name__ == "__main__":
    main()
