"""The campaign grid's favourite category for a batch of recipients: one query against one each.

Run: python -m bench.favourite_category [--quick] [--database-url URL]
ecomapp finds the favourite category (most units bought, else the first signup interest) of a
whole sending batch in one SQL statement (`ecomapp/campaigns/favourites.py`). The baseline asks
the same of each recipient in turn (one SELECT per customer), what rendering the grid per mail
would do. Both must agree.
"""

from __future__ import annotations

import argparse
import statistics
import time

from flask import Flask
from sqlalchemy import select, text

from bench.big_store import add_arguments, bench_app, customers_wanted, figure, seeded_store
from ecomapp.campaigns.favourites import favourite_categories
from ecomapp.campaigns.sending import batch_size
from ecomapp.extensions import db
from ecomapp.models import Customer

PER_CUSTOMER = """
SELECT l.product_type, sum(l.quantity) AS units FROM orders o JOIN line_items l ON l.order_id = o.id
WHERE o.store_id = :store AND o.customer_id = :cid AND o.cancelled_at IS NULL
  AND coalesce(l.product_type, '') <> ''
GROUP BY l.product_type ORDER BY units DESC, l.product_type LIMIT 1
"""


def _batch(app: Flask, store_id: int) -> list[int]:
    with app.app_context():
        size = batch_size()
        stmt = select(Customer.id).where(Customer.store_id == store_id).order_by(Customer.id)
        return list(db.session.scalars(stmt.limit(size)))


def ecomapp_seconds(app: Flask, store_id: int, ids: list[int]) -> tuple[float, dict[int, str]]:
    """Return the seconds of one batch lookup and what it found."""
    with app.app_context():
        started = time.perf_counter()
        found = favourite_categories(store_id, ids)
        seconds = time.perf_counter() - started
        db.session.rollback()
        return seconds, found


def per_customer_seconds(app: Flask, store_id: int, ids: list[int]) -> tuple[float, dict[int, str]]:
    """Return the seconds of one SELECT per recipient and what they found."""
    with app.app_context():
        found: dict[int, str] = {}
        started = time.perf_counter()
        for cid in ids:
            row = db.session.execute(text(PER_CUSTOMER), {"store": store_id, "cid": cid}).first()
            if row is not None:
                found[cid] = str(row[0])
        seconds = time.perf_counter() - started
        db.session.rollback()
        return seconds, found


def main() -> None:
    """Time both sides alternately, check they agree, print the figure (medians)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each side (medians)")
    args = parser.parse_args()
    app = bench_app(args.database_url)
    store_id = seeded_store(app, customers_wanted(args))
    ids = _batch(app, store_id)
    ours, theirs, same = [], [], True
    for _ in range(args.repeat):  # alternate, and take medians: the machine is shared
        seconds, mine = ecomapp_seconds(app, store_id, ids)
        ours.append(seconds)
        seconds, baseline = per_customer_seconds(app, store_id, ids)
        theirs.append(seconds)
        same = same and mine == baseline  # the seed has no signups: purchases decide
    print(f"{len(ids):,} recipients, {len(mine):,} with a favourite; same: {same}")
    print(f"one query {ours}, one per recipient {theirs} (seconds)")
    figure(
        f"favourite_category_batch_{len(ids)}_seconds",
        statistics.median(ours),
        statistics.median(theirs),
    )
    if not same:
        raise SystemExit("the batch query and the per-recipient queries disagree")


if __name__ == "__main__":
    main()
