"""Segment membership over the whole seeded store, against one hand-written SQL query of the rule.

Run: python -m bench.segments [--quick] [--database-url URL]
The rule: repeat buyers (2+ orders) who spent 100+, ordered in the last 180 days and bought the
store's most common product type. ecomapp compiles it to one SQL condition and keeps the members
in a table, a batch of 5,000 customers per statement: first a fill from empty (INSERT … SELECT),
then the nightly recomputation (one diff statement per batch, moves applied). The baseline is the
same rule written by hand as one SELECT of the member ids. Both must find the same customers.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta
from datetime import time as day_time

from flask import Flask
from sqlalchemy import delete, text

from bench.big_store import AS_OF, add_arguments, bench_app, customers_wanted, figure, seeded_store
from ecomapp.extensions import db
from ecomapp.models import Segment, SegmentMember
from ecomapp.segments.fields import validate_conditions
from ecomapp.segments.membership import recompute

NOW = datetime.combine(AS_OF, day_time(12), tzinfo=UTC)
HAND_WRITTEN = """
SELECT c.id FROM customers c
WHERE c.store_id = :store AND c.orders_count >= 2 AND c.total_spent >= 10000
  AND c.last_order_at > :since
  AND EXISTS (SELECT 1 FROM orders o JOIN line_items l ON l.order_id = o.id
              WHERE o.store_id = :store AND o.customer_id = c.id AND o.cancelled_at IS NULL
                AND lower(trim(l.product_type)) = :kind)
"""


def _rule(kind: str) -> dict[str, object]:
    return validate_conditions(
        {
            "all": [
                {"field": "customer.orders_count", "op": ">=", "value": "2"},
                {"field": "customer.total_spent", "op": ">=", "value": "100"},
                {"field": "customer.days_since_last_order", "op": "<", "value": "180"},
                {"field": "orders.product_type", "op": "=", "value": kind},
            ]
        }
    )


def _common_kind(app: Flask, store_id: int) -> str:
    with app.app_context():
        return str(
            db.session.execute(
                text(
                    "SELECT lower(trim(product_type)) FROM line_items WHERE store_id = :s"
                    " AND product_type <> '' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                ),
                {"s": store_id},
            ).scalar_one()
        )


def _segment(app: Flask, store_id: int, kind: str) -> int:
    with app.app_context():
        db.session.execute(delete(Segment).where(Segment.store_id == store_id))
        segment = Segment(store_id=store_id, name="bench", conditions=_rule(kind))
        db.session.add(segment)
        db.session.commit()
        return segment.id


def ecomapp_seconds(app: Flask, segment_id: int, fill: bool) -> tuple[float, set[int]]:
    """Return the seconds of one computation (a fill from empty, or a recomputation)."""
    with app.app_context():
        segment = db.session.get(Segment, segment_id)
        assert segment is not None
        if fill:
            db.session.execute(delete(SegmentMember).where(SegmentMember.segment_id == segment_id))
            segment.computed_at = None
            db.session.commit()
        started = time.perf_counter()
        recompute(segment, NOW)
        seconds = time.perf_counter() - started
        ids = db.session.scalars(
            text("SELECT customer_id FROM segment_members WHERE segment_id = :s"),
            {"s": segment_id},
        )
        return seconds, set(ids)


def hand_written_seconds(app: Flask, store_id: int, kind: str) -> tuple[float, set[int]]:
    """Return the seconds of the hand-written SELECT and the ids it found."""
    with app.app_context():
        since = (NOW - timedelta(days=180)).replace(tzinfo=None)
        started = time.perf_counter()
        rows = db.session.execute(
            text(HAND_WRITTEN), {"store": store_id, "since": since, "kind": kind}
        )
        ids = {int(r[0]) for r in rows}
        seconds = time.perf_counter() - started
        db.session.rollback()
        return seconds, ids


def main() -> None:
    """Time both sides alternately, check they agree, print the figures (medians)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (medians)")
    args = parser.parse_args()
    customers = customers_wanted(args)
    app = bench_app(args.database_url)
    store_id = seeded_store(app, customers)
    kind = _common_kind(app, store_id)
    segment_id = _segment(app, store_id, kind)
    fills, nightly, baseline, same = [], [], [], True
    for _ in range(args.repeat):  # alternate, and take medians: the machine is shared
        seconds, ours = ecomapp_seconds(app, segment_id, fill=True)
        fills.append(seconds)
        seconds, again = ecomapp_seconds(app, segment_id, fill=False)
        nightly.append(seconds)
        seconds, theirs = hand_written_seconds(app, store_id, kind)
        baseline.append(seconds)
        same = same and ours == theirs == again
    print(f"{len(theirs):,} of {customers:,} customers in the segment; same as the SELECT: {same}")
    print(f"fill {fills}, recompute {nightly}, hand-written SELECT {baseline} (seconds)")
    size = f"{customers // 1000}k"
    figure(f"segment_fill_{size}_seconds", statistics.median(fills), statistics.median(baseline))
    figure(
        f"segment_recompute_{size}_seconds",
        statistics.median(nightly),
        statistics.median(baseline),
    )
    if not same:
        raise SystemExit("the segment and the hand-written query disagree")


if __name__ == "__main__":
    main()
