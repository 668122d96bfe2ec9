"""Whole-store groups, set-based: define ranges, compute membership changes in SQL, apply in bulk.

A group is a customer tag. A run looks at the store's customers a batch of ids at a time; per
batch two statements do the work: one records which customers' group changes in `group_changes`
(a row per kind of change: the tag added, the tags removed, the customer ids), one rewrites their
`tags` column. (One PostgreSQL statement,
UPDATE … FROM … RETURNING into group_changes, measured no faster.) Then the recorded changes go
to the platform through the adapter's `change_tags_bulk`, a batch per call.
Segments and newsletters reuse `GroupRule` + `run_groups` with other rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)

from ecomapp.extensions import db
from ecomapp.jobs.retry import TransientError
from ecomapp.models import Customer, GroupChange, GroupRun, GroupRunStatus, Store, utcnow
from ecomapp.platforms.base import TagChange
from ecomapp.platforms.registry import get_adapter

BATCH = 5000  # customers per pair of statements
STALE_AFTER = timedelta(hours=6)  # an unfinished run older than this no longer blocks a new one
Progress = Callable[[GroupRun], None]


@dataclass(frozen=True)
class GroupRule:
    """Customers whose condition holds belong to group; the first rule that holds wins."""

    group: str
    condition: ColumnElement[bool]


def check_ranges(ranges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return ranges whose bounds are amounts and whose groups are named; else raise ValueError."""
    if not ranges:
        raise ValueError("ranges: give at least one 'min-max = group' line")
    for i, item in enumerate(ranges):
        for key in ("min", "max"):
            try:
                if item.get(key) is not None and Decimal(str(item[key])) < 0:
                    raise ValueError(f"ranges[{i}].{key}: must not be negative")
            except ArithmeticError:
                raise ValueError(f"ranges[{i}].{key}: {item[key]!r} is not an amount") from None
        if not str(item.get("group", "")).replace(",", " ").strip():
            raise ValueError(f"ranges[{i}].group: name the group")
    return ranges


def spend_rules(ranges: list[dict[str, Any]]) -> list[GroupRule]:
    """Return one rule per spend range {min, max (None: open), group}: min <= spent < max."""
    rules = []
    for item in ranges:
        low = Customer.total_spent >= Decimal(str(item.get("min") or 0))
        high = item.get("max")
        held = low if high is None else and_(low, Customer.total_spent < Decimal(str(high)))
        rules.append(GroupRule(str(item["group"]).replace(",", " ").strip(), held))
    return rules


def _holds(tag: str) -> ColumnElement[bool]:
    """Return whether the customer has the tag (case-sensitively, unlike SQLite's LIKE)."""
    return func.replace(Customer.tags, f",{tag},", "") != Customer.tags


@dataclass(frozen=True)
class _Plan:
    """The SQL expressions of one run's rules, over a customers row."""

    target: ColumnElement[Any]  # the group the customer belongs in, or NULL
    changed: ColumnElement[bool]
    added: ColumnElement[str]
    removed: ColumnElement[str]
    tags: ColumnElement[str]


def _concat(parts: list[ColumnElement[str]]) -> ColumnElement[str]:
    """Join SQL strings with || (SQLite before 3.44 has no concat())."""
    out = parts[0]
    for part in parts[1:]:
        out = out.concat(part)
    return out


def _tags_after(target: ColumnElement[Any], groups: list[str]) -> ColumnElement[str]:
    """Return the ',a,b,' tags with every rule group taken out and the target group appended."""
    kept: Any = Customer.tags
    for group in groups:
        kept = func.replace(kept, f",{group},", ",")
    base = case((kept == "", literal(",")), else_=kept)
    joined = case((target.is_(None), base), else_=_concat([base, target, literal(",")]))
    return case((joined == ",", literal("")), else_=joined)


def _plan(rules: list[GroupRule]) -> _Plan:
    """Return the expressions that find and describe each customer's group change."""
    groups = list(dict.fromkeys(r.group for r in rules))
    target = case(*((r.condition, literal(r.group)) for r in rules), else_=None)
    belongs = {g: func.coalesce(target == g, False) for g in groups}
    joins = {g: and_(belongs[g], not_(_holds(g))) for g in groups}
    leaves = {g: and_(_holds(g), not_(belongs[g])) for g in groups}
    added = case(*((joins[g], literal(f",{g},")) for g in groups), else_=literal(""))
    pieces = [case((leaves[g], literal(f"{g},")), else_=literal("")) for g in groups]
    removed = _concat([literal(","), *pieces])
    return _Plan(
        target=target,
        changed=or_(*joins.values(), *leaves.values()),
        added=added,
        removed=case((removed == ",", literal("")), else_=removed),
        tags=_tags_after(target, groups),
    )


def active_run(store: Store) -> GroupRun | None:
    """Return the store's unfinished group run of the last STALE_AFTER, if any."""
    finished = (GroupRunStatus.DONE.value, GroupRunStatus.FAILED.value)
    return db.session.scalar(
        select(GroupRun).where(
            GroupRun.store_id == store.id,
            GroupRun.status.not_in(finished),
            GroupRun.started_at >= utcnow() - STALE_AFTER,  # a run whose worker died
        )
    )


def start_run(store: Store, ranges: list[dict[str, Any]], label: str = "") -> GroupRun:
    """Record a queued run of spend ranges over every customer of the store."""
    total = db.session.scalar(
        select(func.count()).select_from(Customer).where(Customer.store_id == store.id)
    )
    run = GroupRun(store_id=store.id, label=label, ranges=ranges, total=int(total or 0))
    db.session.add(run)
    db.session.commit()
    return run


def _next_batch(store_id: int, after: int, size: int) -> tuple[int, int | None]:
    """Return (how many, last id) of the next `size` customers with ids above `after`."""
    ids = (
        select(Customer.id)
        .where(Customer.store_id == store_id, Customer.id > after)
        .order_by(Customer.id)
        .limit(size)
        .subquery()
    )
    count, last = db.session.execute(select(func.count(), func.max(ids.c.id))).one()
    return int(count), last


_COLUMNS = ["run_id", "store_id", "added", "removed", "customers", "customer_ids"]


def _apply_batch(run: GroupRun, plan: _Plan, window: ColumnElement[bool]) -> int:
    """Record the moves in window (a row per kind of change) and apply them; return how many."""
    ids = func.aggregate_strings(cast(Customer.id, String), ",")
    found = (
        select(literal(run.id), literal(run.store_id), plan.added, plan.removed, func.count(), ids)
        .where(window)
        .group_by(plan.added, plan.removed)
    )
    db.session.execute(insert(GroupChange.__table__).from_select(_COLUMNS, found))
    moved = db.session.execute(
        update(Customer.__table__)
        .where(window)
        .values(tags=plan.tags, synced_at=Customer.synced_at)
    )
    return int(moved.rowcount)  # type: ignore[attr-defined]


def compute_changes(run: GroupRun, rules: list[GroupRule], progress: Progress) -> None:
    """Record and apply, batch by batch, the group change of every customer whose group moves."""
    plan, after = _plan(rules), 0
    run.computed = 0  # a retried run looks at every customer again; `changed` keeps adding up
    while True:
        count, last = _next_batch(run.store_id, after, BATCH)
        if not count or last is None:
            return
        window = and_(
            Customer.store_id == run.store_id,
            Customer.id > after,
            Customer.id <= last,
            plan.changed,
        )
        run.changed += _apply_batch(run, plan, window)
        run.computed += count
        db.session.commit()
        progress(run)
        after = last


def _push_change(change: GroupChange, store: Store, size: int, tick: Callable[[int], None]) -> None:
    """Send one recorded change to the platform, `size` customers a call, from where it stopped."""
    adapter = get_adapter(store.platform)
    ids = change.ids()
    for start in range(change.pushed, len(ids), size):
        rows = db.session.execute(
            select(Customer.platform_id, Customer.tags)
            .where(Customer.store_id == store.id, Customer.id.in_(ids[start : start + size]))
            .order_by(Customer.id)
        ).all()
        changes = [TagChange(pid, change.added, change.removed, tags) for pid, tags in rows]
        adapter.change_tags_bulk(store, "customer", changes)
        change.pushed = min(start + size, len(ids))
        tick(change.pushed - start)


def push_changes(run: GroupRun, store: Store, progress: Progress) -> None:
    """Send the run's recorded changes to the platform, a batch per adapter call, resumably."""
    adapter = get_adapter(store.platform)
    if not adapter.pushes_tags:
        run.pushed = run.changed
        return

    def tick(sent: int) -> None:
        run.pushed += sent
        db.session.commit()
        progress(run)

    pending = select(GroupChange).where(
        GroupChange.run_id == run.id, GroupChange.pushed < GroupChange.customers
    )
    for change in db.session.scalars(pending.order_by(GroupChange.id)).all():
        _push_change(change, store, adapter.tag_batch_size, tick)


def _set_status(run: GroupRun, status: GroupRunStatus, error: str | None = None) -> None:
    run.status, run.error = status.value, error
    if status in (GroupRunStatus.DONE, GroupRunStatus.FAILED):
        run.finished_at = utcnow()
    db.session.commit()


def run_groups(run_id: int, progress: Progress | None = None) -> None:
    """Compute, apply and push a group run of spend ranges (a job; a retry resumes)."""
    apply_rules(run_id, lambda run: spend_rules(run.ranges), progress)


def apply_rules(
    run_id: int,
    rules_of: Callable[[GroupRun], list[GroupRule]],
    progress: Progress | None = None,
) -> None:
    """Compute, apply and push a group run of any rules (segments' tags use it too)."""
    run = db.session.get(GroupRun, run_id)
    if run is None or run.status in (GroupRunStatus.DONE.value, GroupRunStatus.FAILED.value):
        return
    store = db.session.get(Store, run.store_id)
    if store is None:
        return
    tick = progress or (lambda r: None)
    try:
        if run.status != GroupRunStatus.PUSHING.value:  # computing again is safe: it finds
            _set_status(run, GroupRunStatus.COMPUTING)  # only customers not moved yet
            compute_changes(run, rules_of(run), tick)
            _set_status(run, GroupRunStatus.PUSHING)
        push_changes(run, store, tick)
        _set_status(run, GroupRunStatus.DONE)
    except TransientError as exc:  # the job layer retries: the run resumes from its cursor
        db.session.rollback()
        _set_status(run, GroupRunStatus(run.status), f"retrying: {exc}"[:500])
        raise
    except Exception as exc:
        db.session.rollback()
        _set_status(run, GroupRunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:500])
        raise
