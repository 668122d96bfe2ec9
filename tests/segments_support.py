"""Helpers for segment tests: post the builder form, count members, hand-written SQL."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from ecomapp.extensions import db
from ecomapp.models import Segment, SegmentMember


def csrf(client: FlaskClient) -> str:
    """Return the CSRF token of the signed-in panel session (from the builder page)."""
    page = client.get("/segments/new").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def builder_form(name: str, rows: list[tuple[str, str, str]], match: str = "all") -> dict[str, Any]:
    """Return the builder's form fields for (field, op, value) rows."""
    return {
        "name": name,
        "match": match,
        "cond_field": [r[0] for r in rows],
        "cond_op": [r[1] for r in rows],
        "cond_value": [r[2] for r in rows],
        "cond_quantifier": [r[3] if len(r) > 3 else "any" for r in rows],  # type: ignore[misc]
        "cond_extra": ["" for _ in rows],
    }


def members(segment_id: int) -> set[int]:
    """Return the ids of a segment's members."""
    stmt = select(SegmentMember.customer_id).where(SegmentMember.segment_id == segment_id)
    return set(db.session.scalars(stmt))


def newest_segment() -> Segment:
    """Return the segment created last."""
    segment = db.session.scalar(select(Segment).order_by(Segment.id.desc()).limit(1))
    assert segment is not None
    return segment


def hand_written(sql: str, **params: Any) -> set[int]:
    """Return the customer ids a hand-written SQL query selects."""
    return {int(r[0]) for r in db.session.execute(text(sql), params)}


def count(model: Any, *where: Any) -> int:
    """Return how many rows of a model match."""
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
