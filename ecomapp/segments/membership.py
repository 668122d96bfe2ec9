"""Segment membership, set-based: one diff statement per batch of customers, moves applied in
bulk, `customer.entered_segment` / `customer.left_segment` emitted once per move.

The first computation of a segment fills its members with one INSERT … SELECT per batch and
emits nothing (it is the baseline, not news). Later computations (nightly over the whole store,
or for the customers a batch of events touched) select only the customers whose membership
differs from the table, then insert and delete those. The segment row is locked per batch, so
two workers never both see (and announce) the same move.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal, select

from ecomapp.events.bus import emit
from ecomapp.extensions import db
from ecomapp.models import Customer, Segment, SegmentDay, SegmentMember
from ecomapp.segments.compile import segment_condition

BATCH = 5000
ENTERED, LEFT = "customer.entered_segment", "customer.left_segment"


@dataclass
class Moves:
    """How many customers entered and left a segment in one computation."""

    entered: int = 0
    left: int = 0


def _windows(store_id: int, ids: list[int] | None) -> Iterator[Any]:
    """Yield SQL conditions covering the store's customers (or these ids), BATCH at a time."""
    if ids is not None:
        for start in range(0, len(ids), BATCH):
            yield and_(Customer.store_id == store_id, Customer.id.in_(ids[start : start + BATCH]))
        return
    after = 0
    while True:
        page = (
            select(Customer.id)
            .where(Customer.store_id == store_id, Customer.id > after)
            .order_by(Customer.id)
            .limit(BATCH)
            .subquery()
        )
        count, last = db.session.execute(select(func.count(), func.max(page.c.id))).one()
        if not count:
            return
        yield and_(Customer.store_id == store_id, Customer.id > after, Customer.id <= last)
        after = last


def _lock(segment: Segment) -> None:
    """Hold the segment row until the batch commits (PostgreSQL; SQLite writes serially)."""
    db.session.execute(select(Segment.id).where(Segment.id == segment.id).with_for_update())


def _fill(segment: Segment, condition: Any, window: Any, now: datetime) -> int:
    """Insert every member of the window (the segment has none yet): one statement."""
    rows = select(
        literal(segment.id),
        Customer.id,
        literal(segment.store_id),
        literal(now, SegmentMember.entered_at.type),
    ).where(window, condition)
    columns = ["segment_id", "customer_id", "store_id", "entered_at"]
    result = db.session.execute(insert(SegmentMember.__table__).from_select(columns, rows))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _differences(segment: Segment, condition: Any, window: Any) -> list[tuple[int, int]]:
    """Return (customer id, 1 if in now else 0) of the window's customers who moved."""
    member = SegmentMember
    diff = (
        select(
            Customer.id.label("id"),
            case((condition, 1), else_=0).label("now_in"),
            case((member.customer_id.is_(None), 0), else_=1).label("was_in"),
        )
        .outerjoin(member, and_(member.segment_id == segment.id, member.customer_id == Customer.id))
        .where(window)
        .subquery()
    )
    stmt = select(diff.c.id, diff.c.now_in).where(diff.c.now_in != diff.c.was_in)
    return [(int(cid), int(now_in)) for cid, now_in in db.session.execute(stmt)]


def _apply(segment: Segment, moves: list[tuple[int, int]], now: datetime) -> Moves:
    entered = [cid for cid, now_in in moves if now_in]
    left = [cid for cid, now_in in moves if not now_in]
    if entered:
        rows = [
            {
                "segment_id": segment.id,
                "customer_id": c,
                "store_id": segment.store_id,
                "entered_at": now,
            }
            for c in entered
        ]
        db.session.execute(insert(SegmentMember), rows)
    if left:
        db.session.execute(
            delete(SegmentMember).where(
                SegmentMember.segment_id == segment.id, SegmentMember.customer_id.in_(left)
            )
        )
    stamp = now.isoformat()
    for kind, ids in ((ENTERED, entered), (LEFT, left)):
        data = {"segment": segment.name, "segment_id": segment.id}
        for cid in ids:
            key = f"{kind}:{segment.id}:{cid}:{stamp}"
            emit(segment.store_id, kind, "customer", cid, data | {"customer_id": cid}, key, now)
    return Moves(len(entered), len(left))


def recompute(segment: Segment, now: datetime, customer_ids: list[int] | None = None) -> Moves:
    """Bring the segment's members up to date (all customers, or these), committing per batch."""
    if customer_ids is not None and segment.computed_at is None:
        return Moves()  # its first computation (queued at creation) covers them
    condition = segment_condition(segment.store_id, segment.conditions, now)
    first, total = segment.computed_at is None, Moves()
    ids = sorted(set(customer_ids)) if customer_ids is not None else None
    for window in _windows(segment.store_id, ids):
        _lock(segment)
        if first:
            total.entered += _fill(segment, condition, window, now)
        else:
            moved = _apply(segment, _differences(segment, condition, window), now)
            total.entered, total.left = total.entered + moved.entered, total.left + moved.left
        db.session.commit()
    _finish(segment, now)
    return total


def _finish(segment: Segment, now: datetime) -> None:
    """Store the size, the time and today's point of the trend."""
    _lock(segment)
    size = db.session.scalar(
        select(func.count())
        .select_from(SegmentMember)
        .where(SegmentMember.segment_id == segment.id)
    )
    segment.members, segment.computed_at = int(size or 0), now
    day = db.session.get(SegmentDay, (segment.id, now.date()))
    if day is None:
        db.session.add(
            SegmentDay(
                segment_id=segment.id,
                day=now.date(),
                store_id=segment.store_id,
                members=segment.members,
            )
        )
    else:
        day.members = segment.members
    db.session.commit()
