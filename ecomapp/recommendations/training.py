"""Train a store's model from the mirror and store its top-N per product, with progress."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

import numpy as np
from sqlalchemy import and_, delete, func, select

from ecomapp.demo.bulk import insert_rows, reserve_ids
from ecomapp.extensions import db
from ecomapp.models import (
    LineItem,
    Order,
    Product,
    ProductRecommendation,
    RecoRun,
    RecoRunStatus,
    Store,
    utcnow,
)
from ecomapp.models.types import as_utc
from ecomapp.recommendations.model import Lines, Params, TopN, train

ORDER_CHUNK = 20_000  # orders read per statement
WRITE_CHUNK = 20_000  # recommendation rows per insert
STALE_AFTER = timedelta(hours=2)  # an unfinished run older than this no longer blocks a new one
SOURCES = ("co-purchase", "category")


def active_run(store: Store) -> RecoRun | None:
    """Return the store's unfinished training run, if a recent one exists."""
    finished = (RecoRunStatus.DONE.value, RecoRunStatus.FAILED.value)
    return db.session.scalar(
        select(RecoRun).where(
            RecoRun.store_id == store.id,
            RecoRun.status.not_in(finished),
            RecoRun.started_at >= utcnow() - STALE_AFTER,
        )
    )


def start_run(store: Store, trigger: str) -> RecoRun:
    """Record a queued training run of the store."""
    total = db.session.scalar(
        select(func.count()).select_from(Order).where(Order.store_id == store.id)
    )
    run = RecoRun(store_id=store.id, trigger=trigger, total=int(total or 0) + 1)
    db.session.add(run)
    db.session.flush()
    return run


def _progress(run: RecoRun, step: str, done: int) -> None:
    run.step, run.done = step, min(done, run.total)
    db.session.commit()


def _order_chunks(store_id: int) -> list[tuple[int, int]]:
    """Return (first id, last id) windows of the store's orders, ORDER_CHUNK orders each."""
    ids = select(Order.id).where(Order.store_id == store_id).order_by(Order.id)
    numbered = ids.add_columns(func.row_number().over(order_by=Order.id).label("n")).subquery()
    bounds = db.session.execute(
        select(func.min(numbered.c.id), func.max(numbered.c.id))
        .group_by((numbered.c.n - 1) / ORDER_CHUNK)
        .order_by(func.min(numbered.c.id))
    ).all()
    return [(int(low), int(high)) for low, high in bounds]


def read_lines(
    store_id: int, on_chunk: Callable[[int], None] | None = None
) -> list[tuple[int, int, int, datetime]]:
    """Return (customer id or -order id, product id, order id, placed) of every sold line."""
    rows: list[tuple[int, int, int, datetime]] = []
    for n, (low, high) in enumerate(_order_chunks(store_id), start=1):
        stmt = (
            select(
                func.coalesce(Order.customer_id, -Order.id),
                Product.id,
                Order.id,
                func.coalesce(Order.placed_at, Order.platform_created_at),
            )
            .join(LineItem, LineItem.order_id == Order.id)
            .join(
                Product,
                and_(
                    Product.store_id == store_id,
                    Product.platform_id == LineItem.product_platform_id,
                ),
            )
            .where(Order.store_id == store_id, Order.id.between(low, high))
            .where(Order.cancelled_at.is_(None))
        )
        rows += cast(list[tuple[int, int, int, datetime]], db.session.execute(stmt).all())
        if on_chunk is not None:
            on_chunk(n * ORDER_CHUNK)
    return rows


def products(store_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the store's product ids (sorted) and each one's category code."""
    found = db.session.execute(
        select(Product.id, func.coalesce(Product.product_type, ""))
        .where(Product.store_id == store_id)
        .order_by(Product.id)
    ).all()
    ids = np.array([r[0] for r in found], dtype=np.int64)
    _, categories = np.unique(np.array([r[1] for r in found], dtype=object), return_inverse=True)
    return ids, categories.astype(np.int64)


def as_lines(rows: list[tuple[int, int, int, datetime]], ids: np.ndarray, now: datetime) -> Lines:
    """Return mirror rows as the model's arrays (customers and products numbered densely)."""
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return Lines(empty, empty, np.zeros(0), 0, len(ids))
    customers, products, _, placed = zip(*rows, strict=True)
    _, cust_index = np.unique(np.array(customers, dtype=np.int64), return_inverse=True)
    stamps = np.array([(as_utc(p) or now).timestamp() for p in placed])
    return Lines(
        customers=cust_index,
        products=np.searchsorted(ids, np.array(products, dtype=np.int64)),
        age_days=(now.timestamp() - stamps) / 86400.0,
        n_customers=int(cust_index.max()) + 1,
        n_products=len(ids),
    )


def _write(store_id: int, ids: np.ndarray, model: TopN) -> int:
    """Replace the store's stored recommendations with the model's rows."""
    db.session.execute(
        delete(ProductRecommendation).where(ProductRecommendation.store_id == store_id)
    )
    rows = [
        {
            "store_id": store_id,
            "product_id": int(ids[p]),
            "recommended_id": int(ids[r]),
            "rank": int(k),
            "score": float(s),
            "source": SOURCES[int(src)],
        }
        for p, r, k, s, src in zip(
            model.product, model.recommended, model.rank, model.score, model.source, strict=True
        )
    ]
    conn = db.session.connection()
    table = ProductRecommendation.__table__
    for start in range(0, len(rows), WRITE_CHUNK):
        chunk = rows[start : start + WRITE_CHUNK]
        for row, new_id in zip(chunk, reserve_ids(conn, table, len(chunk)), strict=True):
            row["id"] = new_id
        insert_rows(conn, table, chunk)
    return len(rows)


def train_run(run_id: int, params: Params | None = None) -> None:
    """Train the run's store from its mirror and store the top-N per product (a job)."""
    run = db.session.get(RecoRun, run_id)
    if run is None or run.status in (RecoRunStatus.DONE.value, RecoRunStatus.FAILED.value):
        return
    run.status = RecoRunStatus.RUNNING.value
    _progress(run, "reading orders", 0)
    try:
        _train(run, params or Params())
    except Exception as exc:
        db.session.rollback()
        run.status, run.error, run.finished_at = RecoRunStatus.FAILED.value, str(exc), utcnow()
        db.session.commit()
        raise


def _train(run: RecoRun, params: Params) -> None:
    now = utcnow()
    rows = read_lines(run.store_id, lambda done: _progress(run, "reading orders", done))
    ids, categories = products(run.store_id)
    _progress(run, "training", run.total - 1)
    model = train(as_lines(rows, ids, now), categories, params)
    run.pairs = _write(run.store_id, ids, model)
    run.lines, run.products = len(rows), len(ids)
    run.status, run.finished_at = RecoRunStatus.DONE.value, utcnow()
    _progress(run, "done", run.total)


def train_nightly() -> int:
    """Queue one training run per store that has orders (the nightly periodic job)."""
    from ecomapp.jobs.queue import enqueue_after_commit

    with_orders = select(Order.store_id).distinct()
    stores = db.session.scalars(select(Store).where(Store.id.in_(with_orders))).all()
    queued = 0
    for store in stores:
        if active_run(store) is None:
            run = start_run(store, "nightly")
            enqueue_after_commit(
                "ecomapp.recommendations.training:train_run", run.id, store_id=store.id
            )
            queued += 1
    db.session.commit()
    return queued
