"""Create and change segments: validated rules, a version per change, a computation queued."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ecomapp.automation.schema import FieldError, InvalidAutomation
from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import Segment, Store
from ecomapp.models.types import normalize_tags
from ecomapp.segments.fields import validate_conditions
from ecomapp.segments.jobs import COMPUTE


def get_segment(store: Store, segment_id: int) -> Segment | None:
    """Return the store's segment with this id (never another store's)."""
    return db.session.scalar(
        select(Segment).where(Segment.id == segment_id, Segment.store_id == store.id)
    )


def _name(name: str, errors: list[FieldError]) -> str:
    name = name.strip()
    if not name or len(name) > 255:
        errors.append(FieldError("name", "give the segment a name (255 characters at most)"))
    return name


def save_segment(
    store: Store, name: str, conditions: Any, segment: Segment | None = None
) -> Segment:
    """Validate and save a segment, then queue its computation; raise InvalidAutomation."""
    errors: list[FieldError] = []
    clean_name = _name(name, errors)
    try:
        rules = validate_conditions(conditions)
    except InvalidAutomation as exc:
        errors += exc.errors
    if errors:
        raise InvalidAutomation(errors)
    if segment is None:
        segment = Segment(store_id=store.id, name=clean_name, conditions=rules)
        db.session.add(segment)
    elif rules != segment.conditions or clean_name != segment.name:
        segment.name, segment.conditions = clean_name, rules
        segment.version += 1
    db.session.flush()
    enqueue_after_commit(COMPUTE, segment.id, store_id=store.id)
    return segment


def tag_of(segment: Segment) -> str:
    """Return the customer tag the segment mirrors itself to on the platform."""
    return segment.mirror_tag or normalize_tags([f"segment: {segment.name}"])[0][:64]
