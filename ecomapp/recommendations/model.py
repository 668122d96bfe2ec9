"""The co-purchase model, pure: order lines in, each product's top-N related products out.

Customers x products is one SciPy sparse matrix whose cells are the customer's most recent
purchase of the product, weighted by an exponential decay of its age. Its Gram matrix
(products x products, one sparse product) holds the decayed co-purchases; pairs below the
minimum support are dropped and the rest scored by cosine. Products with too little history are
filled with the best sellers of their category. No Python loop touches a customer or a pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

CO_PURCHASE, CATEGORY = 0, 1  # source codes of a recommendation


@dataclass(frozen=True)
class Params:
    """How the model is trained."""

    top_n: int = 30
    half_life_days: float = 365.0
    min_support: float = 1.0  # decayed co-purchases a pair needs (one fresh, or older ones)
    shrink: float = 2.0  # damps scores resting on few co-purchases
    alpha: float = 0.5  # 0.5: cosine; higher favours popular recommended products less
    category_weight: float = 0.0  # score of the top best seller of the category


@dataclass(frozen=True)
class Lines:
    """Order lines as parallel arrays: customer index, product index, age in days."""

    customers: np.ndarray
    products: np.ndarray
    age_days: np.ndarray
    n_customers: int
    n_products: int


@dataclass(frozen=True)
class TopN:
    """Each product's related products, ranked: parallel arrays of the stored rows."""

    product: np.ndarray
    recommended: np.ndarray
    rank: np.ndarray
    score: np.ndarray
    source: np.ndarray


def interactions(lines: Lines, params: Params) -> sp.csr_matrix:
    """Return customers x products, each cell the decayed weight of the latest purchase."""
    weight = np.exp2(-np.maximum(lines.age_days, 0) / params.half_life_days).astype(np.float32)
    shape = (lines.n_customers, lines.n_products)
    coo = sp.coo_matrix((weight, (lines.customers, lines.products)), shape=shape)
    matrix = coo.tocsr()  # duplicates summed; the latest purchase of a product counts, capped at 1
    matrix.data = np.minimum(matrix.data, 1.0)
    return matrix


def similarities(matrix: sp.csr_matrix, params: Params) -> sp.csr_matrix:
    """Return products x products cosine of decayed co-purchases with support, no diagonal."""
    gram = (matrix.T @ matrix).T  # symmetric: the CSC product read as CSR, without a copy
    n = gram.shape[0]
    norms = np.sqrt(gram.diagonal()).astype(np.float32)
    seed_norm = norms ** np.float32(2 * params.alpha) + np.float32(1e-9)  # per product
    pick_norm = norms ** np.float32(2 - 2 * params.alpha) + np.float32(1e-9)
    rows = row_of_entries(gram)
    keep = (gram.data >= params.min_support) & (rows != gram.indices)
    rows, cols, support = rows[keep], gram.indices[keep], gram.data[keep]
    score = support / (seed_norm[rows] * pick_norm[cols])
    score *= support / (support + np.float32(params.shrink))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    return sp.csr_matrix((score, cols, indptr), shape=(n, n))


def row_of_entries(matrix: sp.csr_matrix) -> np.ndarray:
    """Return the row of each stored entry of a CSR matrix."""
    counts = np.diff(matrix.indptr)
    return np.repeat(np.arange(matrix.shape[0], dtype=np.int32), counts)


BUCKETS = 64  # score buckets per row when pruning before the sort


def _candidates(
    rows: np.ndarray, data: np.ndarray, positive: np.ndarray, n_rows: int, n: int
) -> np.ndarray:
    """Return a mask keeping, per row, the entries of its best score buckets that hold >= n.

    Buckets are global score quantiles (from a sample); one bincount counts each row's entries
    per bucket, so the sort after it only sees each row's few best entries.
    """
    sample = data[positive][:: max(int(positive.sum()) // 10_000, 1)]
    edges = np.quantile(sample, np.linspace(0, 1, BUCKETS + 1)[1:-1])
    bucket = np.searchsorted(edges, data)  # 0 (worst) .. BUCKETS - 1 (best)
    bucket[~positive] = 0
    counts = np.bincount(rows.astype(np.int64) * BUCKETS + bucket, minlength=n_rows * BUCKETS)
    from_top = np.cumsum(counts.reshape(n_rows, BUCKETS)[:, ::-1], axis=1)
    reached = from_top >= n
    depth = np.where(reached.any(axis=1), reached.argmax(axis=1), BUCKETS - 1)
    return bucket >= (BUCKETS - 1 - depth)[rows]


def top_n(scores: sp.csr_matrix, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (row, column, rank, score) of each row's n best positive entries, vectorised."""
    rows, cols, data = row_of_entries(scores), scores.indices, scores.data
    positive = data > 0
    if positive.any():
        keep = positive & _candidates(rows, data, positive, scores.shape[0], n)
        rows, cols, data = rows[keep], cols[keep], data[keep]
    else:
        rows, cols, data = rows[positive], cols[positive], data[positive]
    spread = float(data.max() - data.min()) + 1.0 if len(data) else 1.0
    # one float sort: row first, then the score descending within it
    order = np.argsort(rows + (data.max(initial=0) - data).astype(np.float64) / spread)
    rows, cols, data = rows[order], cols[order], data[order]
    starts = np.searchsorted(rows, rows, side="left")
    rank = np.arange(len(rows)) - starts
    keep = rank < n
    return rows[keep], cols[keep], rank[keep], data[keep]


def popularity(matrix: sp.csr_matrix) -> np.ndarray:
    """Return each product's decayed number of buyers."""
    return np.asarray(matrix.sum(axis=0)).ravel()


def category_fill(
    rows: np.ndarray, counts: np.ndarray, categories: np.ndarray, pop: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (product, recommended, rank) best sellers of the same category for thin products.

    `counts` is how many co-purchase picks each product has; `rows` the products that have any.
    """
    out_p, out_r, out_k = [], [], []
    for category in np.unique(categories):
        members = np.flatnonzero(categories == category)
        sellers = members[np.argsort(-pop[members], kind="stable")][: n + 1]
        sellers = sellers[pop[sellers] > 0]
        thin = members[counts[members] < n]
        if len(thin) == 0 or len(sellers) == 0:
            continue
        grid_p = np.repeat(thin, len(sellers))
        grid_r = np.tile(sellers, len(thin))
        keep = grid_p != grid_r
        out_p.append(grid_p[keep])
        out_r.append(grid_r[keep])
        out_k.append(np.tile(np.arange(len(sellers)), len(thin))[keep])
    if not out_p:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(out_p), np.concatenate(out_r), np.concatenate(out_k)


def train(lines: Lines, categories: np.ndarray, params: Params) -> TopN:
    """Return each product's top-N: co-purchases first, then its category's best sellers."""
    matrix = interactions(lines, params)
    rows, cols, rank, score = top_n(similarities(matrix, params), params.top_n)
    counts = np.bincount(rows, minlength=lines.n_products)
    pop = popularity(matrix)
    fill_p, fill_r, fill_k = category_fill(rows, counts, categories, pop, params.top_n)
    # a fill pick ranks after the product's co-purchase picks and never repeats one of them
    size = lines.n_products
    fresh = ~np.isin(fill_p.astype(np.int64) * size + fill_r, rows.astype(np.int64) * size + cols)
    fill_p, fill_r, fill_k = fill_p[fresh], fill_r[fresh], fill_k[fresh]
    fill_rank = counts[fill_p] + fill_k
    keep = fill_rank < params.top_n
    fill_score = params.category_weight * pop[fill_r[keep]] / (pop.max(initial=0) + 1e-9)
    return TopN(
        product=np.concatenate([rows, fill_p[keep]]),
        recommended=np.concatenate([cols, fill_r[keep]]),
        rank=np.concatenate([rank, fill_rank[keep]]),
        score=np.concatenate([score, fill_score]),
        source=np.concatenate(
            [np.full(len(rows), CO_PURCHASE), np.full(int(keep.sum()), CATEGORY)]
        ),
    )


def as_matrix(model: TopN, n_products: int) -> sp.csr_matrix:
    """Return the stored top-N as products x products scores (fill picks a small epsilon)."""
    score = model.score + np.where(model.source == CATEGORY, 1e-3 / (1 + model.rank), 0.0)
    shape = (n_products, n_products)
    return sp.csr_matrix((score, (model.product, model.recommended)), shape=shape)


def recommend(history: sp.csr_matrix, related: sp.csr_matrix, n: int) -> np.ndarray:
    """Return each history row's n best products it has not bought (-1 pads), vectorised."""
    scores = (history @ related).tocsr()
    bought = history.copy()
    bought.data[:] = 1
    scores = scores - scores.multiply(bought)  # drop what the customer already has
    scores.eliminate_zeros()
    rows, cols, rank, _ = top_n(scores, n)
    out = np.full((history.shape[0], n), -1, dtype=np.int64)
    out[rows, rank] = cols
    return out
