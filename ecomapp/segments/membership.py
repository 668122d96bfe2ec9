"""Segment membership, set-based: one statement finds every move, moves are applied in batches,
and `customer.entered_segment` / `customer.left_segment` is emitted once per move.

A whole-store computation is ONE statement over the store's customers: the first time, an
INSERT … SELECT that fills the members (it emits nothing: a baseline, not news); after that, a
diff SELECT returning only the customers whose membership differs from the table, whose moves
are then inserted and deleted BATCH at a time. One statement lets the database evaluate the
history EXISTS once for the store (a hashed semi-join), where id-range batches made it scan
the order lines once per batch. The computation for the customers a batch of events touched
runs the same diff restricted to their ids. The segment row is locked (PostgreSQL) until the
moves are committed, so two workers never both see, and announce, the same move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal, select, text

from ecomapp.events.bus import emit_many
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

    def add(self, other: Moves) -> None:
        """Count another computation's moves in."""
        self.entered, self.left = self.entered + other.entered, self.left + other.left


def _lock(segment: Segment) -> None:
    """Hold the segment row until the transaction commits (PostgreSQL; SQLite writes serially).

    On PostgreSQL the transaction also runs without JIT: the planner overestimates the cost of
    the hashed EXISTS inside CASE, and compiling the statement took longer than running it.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
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


def _announce(segment: Segment, kind: str, ids: list[int], now: datetime) -> None:
    """Record one event per move, in one flush (the segment lock makes each move unique)."""
    data = {"segment": segment.name, "segment_id": segment.id}
    stamp = now.isoformat()
    items = [
        (cid, data | {"customer_id": cid}, f"{kind}:{segment.id}:{cid}:{stamp}") for cid in ids
    ]
    emit_many(segment.store_id, kind, "customer", items, now)


def _apply(segment: Segment, moves: list[tuple[int, int]], now: datetime) -> Moves:
    """Insert the entering and delete the leaving, BATCH at a time, announcing each move."""
    entered = [cid for cid, now_in in moves if now_in]
    left = [cid for cid, now_in in moves if not now_in]
    for start in range(0, len(entered), BATCH):
        chunk = entered[start : start + BATCH]
        rows = [
            {"segment_id": segment.id, "customer_id": c, "store_id": segment.store_id}
            | {"entered_at": now}
            for c in chunk
        ]
        db.session.execute(insert(SegmentMember), rows)
        _announce(segment, ENTERED, chunk, now)
    for start in range(0, len(left), BATCH):
        chunk = left[start : start + BATCH]
        db.session.execute(
            delete(SegmentMember).where(
                SegmentMember.segment_id == segment.id, SegmentMember.customer_id.in_(chunk)
            )
        )
        _announce(segment, LEFT, chunk, now)
    return Moves(len(entered), len(left))


def recompute(segment: Segment, now: datetime, customer_ids: list[int] | None = None) -> Moves:
    """Bring the segment's members up to date: every customer of the store, or these."""
    if customer_ids is None:
        return _whole_store(segment, now)
    if segment.computed_at is None:
        return Moves()  # its first computation (queued at creation) covers them
    return _for_customers(segment, now, sorted(set(customer_ids)))


def _whole_store(segment: Segment, now: datetime) -> Moves:
    """Fill or diff over every customer of the store in one statement; count; commit."""
    _lock(segment)
    db.session.refresh(segment)  # another worker may have computed it while we waited
    condition = segment_condition(segment.store_id, segment.conditions, now)
    in_store = Customer.store_id == segment.store_id
    if segment.computed_at is None:
        moves = Moves(entered=_fill(segment, condition, in_store, now))
    else:
        moves = _apply(segment, _differences(segment, condition, in_store), now)
    size = db.session.scalar(
        select(func.count())
        .select_from(SegmentMember)
        .where(SegmentMember.segment_id == segment.id)
    )
    segment.members, segment.computed_at = int(size or 0), now
    _record_day(segment, now)
    db.session.commit()
    return moves


def _for_customers(segment: Segment, now: datetime, ids: list[int]) -> Moves:
    """Diff these customers, BATCH at a time; keep the size by the moves (under the lock)."""
    condition = segment_condition(segment.store_id, segment.conditions, now)
    total = Moves()
    for start in range(0, len(ids), BATCH):
        _lock(segment)
        window = and_(
            Customer.store_id == segment.store_id, Customer.id.in_(ids[start : start + BATCH])
        )
        moved = _apply(segment, _differences(segment, condition, window), now)
        if moved.entered or moved.left:
            db.session.refresh(segment, ["members"])
            segment.members += moved.entered - moved.left
            _record_day(segment, now)
        db.session.commit()
        total.add(moved)
    return total


def _record_day(segment: Segment, now: datetime) -> None:
    """Store today's point of the trend: the segment's size now."""
    day = db.session.get(SegmentDay, (segment.id, now.date()))
    if day is None:
        day = SegmentDay(segment_id=segment.id, day=now.date(), store_id=segment.store_id)
        db.session.add(day)
    day.members = segment.members
