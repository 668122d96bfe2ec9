"""Tag changes of a batch: each step's change is claimed in the ledger, then one platform call
per customer or order carries every change the batch made to it.

The tag actions' handlers in `actions.py` stay the per-step path (resumed runs, retries); the
changes here compute the same results from the same parameters and snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from ecomapp.automation.actions import spend_group
from ecomapp.automation.conditions import OBJECTS, Snapshot
from ecomapp.automation.tallies import upsert
from ecomapp.extensions import db
from ecomapp.jobs.retry import is_transient
from ecomapp.jobs.runner import is_last_attempt
from ecomapp.models import EffectLedger, Store
from ecomapp.models.types import utcnow
from ecomapp.platforms.registry import get_adapter

# PostgreSQL: every key of a batch claimed in one INSERT … ON CONFLICT DO NOTHING RETURNING,
# the rows sent as one JSON document (one C-encoded text, not four arrays escaped per element).
CLAIM_SQL = text(
    "INSERT INTO automation_effects (store_id, key, run_id, action, result, created_at)"
    " SELECT :store_id, t.key, t.run_id, t.action, t.result, :now"
    " FROM json_to_recordset(CAST(:rows AS json))"
    " AS t(key text, run_id integer, action text, result json)"
    " ON CONFLICT (store_id, key) DO NOTHING RETURNING key"
)


@dataclass
class TagChange:
    """What one step does to one target's tags, and the result its handler would return."""

    resource: str
    platform_id: str
    add: list[str]
    remove: list[str]
    result: dict[str, Any]


Change = tuple[list[str], list[str], dict[str, Any]]


def _plain(action: str, params: dict[str, Any], spent: Any, current: set[str]) -> Change:
    tags = list(params["tags"])
    adding = action.startswith("tag_")
    return (tags if adding else []), ([] if adding else tags), {"tags": tags}


def _group(action: str, params: dict[str, Any], spent: Any, current: set[str]) -> Change:
    group = params["group"]
    remove = [t for t in params.get("replace", []) if t != group]
    return [group], remove, {"group": group, "removed": remove}


def _by_spend(action: str, params: dict[str, Any], spent: Any, current: set[str]) -> Change:
    group = spend_group(params["ranges"], spent)
    others = [str(r["group"]) for r in params["ranges"] if str(r["group"]) != group]
    held = [t for t in others if t in current]
    return ([group] if group else []), held, {"group": group, "removed": held}


_CHANGES: dict[str, Callable[[str, dict[str, Any], Any, set[str]], Change]] = {
    "tag_customer": _plain,
    "untag_customer": _plain,
    "tag_order": _plain,
    "untag_order": _plain,
    "add_to_group": _group,
    "group_by_spend": _by_spend,
}
_RESOURCE = {"tag_order": "order", "untag_order": "order"}


@dataclass
class _Target:
    tags: set[str]  # as the batch's steps so far leave them (group_by_spend reads it)
    keys: list[str] = field(default_factory=list)


class Skipped(Exception):
    """A later step of a run whose earlier tag step was refused: it is not applied."""


@dataclass
class Pending:
    """One planned step: its ledger key, its run (any object with a `run_id`) and change."""

    key: str
    owner: Any
    action: str
    change: TagChange


class TagBatch:
    """Plan tag steps in order; then claim their keys together and call the platform once each."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.targets: dict[tuple[str, str], _Target] = {}
        self.planned: dict[str, Pending] = {}

    def plan(
        self, key: str, owner: Any, action: str, params: dict[str, Any], snap: Snapshot
    ) -> Any:
        """Plan one tag step; return its result, or None when this action is not a tag change."""
        resource = _RESOURCE.get(action, "customer")
        target = snap.get(OBJECTS, {}).get(resource)
        if action not in _CHANGES or not target or key in self.planned:
            return None
        pid = str(target["platform_id"])
        state = self.targets.get((resource, pid))
        if state is None:
            state = _Target(tags=set(snap.get(f"{resource}.tags") or []))
            self.targets[(resource, pid)] = state
        spent = snap.get("customer.total_spent")
        add, remove, result = _CHANGES[action](action, params, spent, state.tags)
        result = {resource: pid, **result}
        state.tags.difference_update(remove)
        state.tags.update(add)
        state.keys.append(key)
        change = TagChange(resource, pid, add, remove, result)
        self.planned[key] = Pending(key, owner, action, change)
        return result

    def claim(self) -> set[str]:
        """Record every planned key in the ledger at once; return the keys this batch holds."""
        rows = [
            {"key": p.key, "run_id": p.owner.run_id, "action": p.action, "result": p.change.result}
            for p in self.planned.values()
        ]
        return claim_keys(self.store.id, rows)

    def apply(self, claimed: set[str]) -> dict[str, Exception]:
        """Make one remove and one add call per target with the net change of its claimed
        steps; return the keys not applied (refused by the platform, or after a refusal)."""
        refused: dict[str, Exception] = {}
        failed: dict[int, int] = {}  # id(run) -> its refused step
        self._preload()
        with db.session.no_autoflush:  # an adapter writing our mirror flushes once, at the end
            for (resource, pid), state in self.targets.items():
                self._apply_target(resource, pid, state, claimed, refused, failed)
        return refused

    def _preload(self) -> None:
        """Let an adapter that reads its targets first (the demo store) load them together."""
        preload = getattr(get_adapter(self.store.platform), "preload", None)
        if preload is None:
            return
        by_resource: dict[str, list[str]] = {}
        for resource, pid in self.targets:
            by_resource.setdefault(resource, []).append(pid)
        for resource, pids in by_resource.items():
            preload(self.store, resource, pids)

    def _apply_target(
        self,
        resource: str,
        pid: str,
        state: _Target,
        claimed: set[str],
        refused: dict[str, Exception],
        failed: dict[int, int],
    ) -> None:
        """Make one target's remove and add calls; record its refused keys."""
        adapter = get_adapter(self.store.platform)
        kept = [k for k in state.keys if k in claimed and not _after(self.planned[k], failed)]
        refused.update({k: Skipped(k) for k in state.keys if k in claimed and k not in kept})
        if not kept:
            return
        add, remove = self._net(kept)
        try:  # no savepoint: a refusal comes before the adapter changes anything
            if remove:
                adapter.remove_tags(self.store, resource, pid, remove)
            if add:
                adapter.add_tags(self.store, resource, pid, add)
        except Exception as exc:
            if is_transient(exc) and not is_last_attempt(exc):
                raise  # the job layer retries the whole batch
            # refused, or still failing on the job's last attempt: the runs fail, readably
            refused.update(dict.fromkeys(kept, exc))
            for key in kept:
                run, step = id(self.planned[key].owner), _step_of(key)
                failed[run] = min(failed.get(run, step), step)

    def _net(self, keys: list[str]) -> tuple[list[str], list[str]]:
        """Return the tags to add and to remove after applying the steps' changes in order."""
        add: dict[str, None] = {}
        remove: dict[str, None] = {}
        for key in keys:
            change = self.planned[key].change
            for tag in change.remove:
                add.pop(tag, None)
                remove[tag] = None
            for tag in change.add:
                remove.pop(tag, None)
                add[tag] = None
        return list(add), list(remove)

    def release(self, keys: list[str]) -> None:
        """Drop ledger keys of changes that did not happen (a refused target)."""
        if keys:
            table = EffectLedger.__table__
            db.session.execute(
                table.delete().where(table.c.store_id == self.store.id, table.c.key.in_(keys))
            )


def claim_keys(store_id: int, rows: list[dict[str, Any]]) -> set[str]:
    """Record effect keys (key, run_id, action, result) in the ledger with one statement;
    return the keys this call inserted (a key already there belongs to an earlier holder)."""
    if not rows:
        return set()
    now = utcnow()
    if db.engine.dialect.name == "postgresql":
        return _claim_json(store_id, rows, now)
    table = EffectLedger.__table__
    stmt = upsert(table).on_conflict_do_nothing(index_elements=["store_id", "key"])
    values = [r | {"store_id": store_id, "created_at": now} for r in rows]
    db.session.execute(stmt, values)  # executemany: one statement
    run_ids = [row["run_id"] for row in rows]
    mine = select(table.c.key).where(
        table.c.store_id == store_id,
        table.c.created_at == now,  # this call's rows: earlier holders of a key are older
        table.c.run_id.between(min(run_ids), max(run_ids)),
    )
    return set(db.session.scalars(mine)) & {r["key"] for r in rows}


def _claim_json(store_id: int, rows: list[dict[str, Any]], now: datetime) -> set[str]:
    """Claim every key with one statement over one JSON document; return the keys it inserted."""
    claimed = db.session.scalars(
        CLAIM_SQL,
        {"store_id": store_id, "now": now.replace(tzinfo=None), "rows": json.dumps(rows)},
    )
    return set(claimed) & {r["key"] for r in rows}


def _step_of(key: str) -> int:
    return int(key.rsplit(":s", 1)[1])


def _after(pending: Pending, failed: dict[int, int]) -> bool:
    refused_at = failed.get(id(pending.owner))
    return refused_at is not None and _step_of(pending.key) > refused_at


def applied_result(store: Store, key: str) -> dict[str, Any]:
    """Return the stored result of an effect applied earlier (a repeated batch)."""
    done = db.session.scalar(
        select(EffectLedger.result).where(
            EffectLedger.store_id == store.id, EffectLedger.key == key
        )
    )
    return dict(done or {}) | {"already_applied": True}
