"""Mirror a segment to the platform as a customer tag: set-based, in bulk, with progress.

It is a group run (`ecomapp.insights.groups`) whose one rule is "is a member": members lacking
the tag get it, customers carrying it who are no longer members lose it, the mirror's tags are
rewritten a batch at a time and the changes go to the platform through `change_tags_bulk`. The
run shows its progress on the Groups page.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from ecomapp.extensions import db
from ecomapp.insights.groups import GroupRule, apply_rules, start_run
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import Customer, GroupRun, Segment, SegmentMember, Store
from ecomapp.segments.library import tag_of

JOB = "ecomapp.segments.tags:push_tag"


def start_tag_push(store: Store, segment: Segment) -> GroupRun:
    """Record a group run putting the segment's tag on exactly its members; queue it."""
    segment.mirror_tag = tag_of(segment)
    db.session.flush()
    run = start_run(store, [], label=f"Segment tag: {segment.mirror_tag}")
    enqueue_after_commit(JOB, run.id, segment.id, store_id=store.id)
    db.session.commit()
    return run


def push_tag(run_id: int, segment_id: int) -> None:
    """Apply and push the segment's tag (a job; a retry resumes where it stopped)."""
    segment = db.session.get(Segment, segment_id)
    if segment is None or segment.mirror_tag is None:
        return
    member = exists(
        select(SegmentMember.customer_id).where(
            SegmentMember.segment_id == segment.id, SegmentMember.customer_id == Customer.id
        )
    )
    apply_rules(run_id, lambda run: [GroupRule(str(segment.mirror_tag), member)])
