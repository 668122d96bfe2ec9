"""The batched engine: one job per store takes the store's new events in order, a batch at a time.

Every committed event leaves a pending row (same transaction) and wakes its store: one
`process_store_events(store_id)` job per store, coalesced in Redis. The job claims the next
pending events by id, evaluates every enabled automation (compiled once per version), persists
matched runs only (skips are daily counters), plans tag steps and applies them with one ledger
claim and one platform call per target, records e-mail steps' messages with one insert (one
mailer job renders and delivers them), adds a run's closing order note keyed in the batch
(`note_batch.py`), and commits the batch once. Steps with other effects (earlier notes,
webhooks …) continue through `runs.drive` after the commit, exactly as before.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import BigInteger, cast, delete, event, func, insert, select, text, update
from sqlalchemy.orm import Session, object_session

from ecomapp.automation.batch_snapshots import load_snapshots
from ecomapp.automation.compiled import (
    FirstFailure,
    Predicate,
    Trace,
    compile_exit,
    compile_first_failure,
    compile_trace,
)
from ecomapp.automation.conditions import OBJECTS, Snapshot
from ecomapp.automation.effects import StepContext, require_target
from ecomapp.automation.engine import RunState, advance
from ecomapp.automation.mail_batch import MailBatch
from ecomapp.automation.note_batch import NoteBatch
from ecomapp.automation.runs import _keep_loaded, _subject, drive, skipped_later_steps
from ecomapp.automation.schema import SCHEDULE_EVENT
from ecomapp.automation.tag_batch import Skipped, TagBatch, applied_result
from ecomapp.automation.tallies import Tally
from ecomapp.demo.bulk import insert_rows, reserve_ids
from ecomapp.extensions import db
from ecomapp.jobs.queue import clear_wake_flag, enqueue_after_commit, wake_job
from ecomapp.models import (
    Automation,
    Cart,
    DueStatus,
    DueWork,
    Event,
    Order,
    PendingEvent,
    Run,
    RunStatus,
    RunStep,
    Store,
)
from ecomapp.models.types import utcnow
from ecomapp.redaction import describe
from ecomapp.registries import registries

log = logging.getLogger(__name__)
_BY_CUSTOMER: dict[str, Any] = {"order": Order, "cart": Cart}
JOB = "ecomapp.automation.batch:process_store_events"
BATCH_SIZE = 1000
MAX_BATCHES = 20  # then the job queues its successor, so other stores get their turn
WAKE_TTL = 300  # seconds a lost wake-up can block the next one (the sweeper covers it)
WAKE_INFO = "ecomapp_engine_wake"
RESUME_JOB = "ecomapp.automation.runs:resume_run"
LOCK_CLASS = 7_245  # pg_try_advisory_xact_lock(class, store_id * LANES + lane): one per lane
LANES = 4  # a store's events split by customer: up to this many workers on one store
LANE_MIX = 2_654_435_761  # Knuth's multiplicative hash: neighbouring customer ids spread out


@event.listens_for(Event, "after_insert")
def _leave_pending(mapper: Any, connection: Any, target: Event) -> None:
    """Record the new event as pending for the engine, and wake its store after commit."""
    connection.execute(
        insert(PendingEvent.__table__).values(
            event_id=target.id, store_id=target.store_id, lane=_lane_of(target)
        )
    )
    session = object_session(target)
    if session is not None:
        session.info.setdefault(WAKE_INFO, set()).add(target.store_id)


def _lane_of(target: Event) -> Any:
    """Return the event's lane: its customer's for customer, order and cart events (so one
    customer's events keep their order), else lane 0 (products, stock, schedules together)."""
    subject = target.subject_id or 0
    if target.subject_type == "customer":
        return customer_lane(subject)
    model = _BY_CUSTOMER.get(target.subject_type)
    if model is None:
        return 0
    owner = select(model.customer_id).where(model.id == subject).scalar_subquery()
    return customer_lane(func.coalesce(owner, subject))


def customer_lane(customer_id: Any) -> Any:
    """Return a customer's lane, from an id or a SQL expression of one (the same arithmetic).

    Hashed, not `id % LANES`: a store's (or a bench's) customers alternate in kind by id
    parity often enough that plain remainders gave two lanes 85% of the runs, and one worker.
    """
    mixed = customer_id if isinstance(customer_id, int) else cast(customer_id, BigInteger)
    return mixed * LANE_MIX % 2**32 * LANES // 2**32


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    for store_id in sorted(session.info.pop(WAKE_INFO, None) or ()):
        wake(store_id)


def wake_key(args: list[Any]) -> str:
    """Return the Redis key of the flag "the store's batch job is queued and not taken"."""
    return f"{current_app.config['SETTINGS'].queue_prefix}:engine-wake:{args[0]}"


def wake(store_id: int, force: bool = False) -> None:
    """Queue the store's batch job unless one is already queued (force: queue it anyway)."""
    wake_job(JOB, [store_id], WAKE_TTL, store_id=store_id, force=force)


def process_store_events(store_id: int) -> int:
    """Job: process the store's pending events in id order, batch by batch; return how many."""
    clear_wake_flag(JOB, [store_id])  # (the worker cleared it on taking the job; not a direct call)
    _call_helper(store_id)
    done = 0
    with _collector_paused():  # once for the job: each resumption costs a young collection
        for _ in range(MAX_BATCHES):
            taken = run_batch(store_id)
            done += taken
            if taken == 0 or (taken < BATCH_SIZE and not _laned()):
                return done  # a short batch of one lane leaves the other lanes to look at
    wake(store_id, force=True)
    return done


def sweep_pending(now: datetime | None = None) -> int:
    """Wake every store whose pending events waited over a minute (a wake-up was lost)."""
    late = (now or utcnow()) - timedelta(minutes=1)
    stores = db.session.scalars(
        select(PendingEvent.store_id)
        .join(Event, Event.id == PendingEvent.event_id)
        .where(Event.created_at <= late)
        .distinct()
    ).all()
    db.session.commit()
    for store_id in stores:
        wake(store_id, force=True)
    return len(stores)


def _copies() -> bool:
    """Return whether the batch writes its runs and steps with COPY (PostgreSQL)."""
    return db.engine.dialect.name == "postgresql"


def _laned() -> bool:
    """Return whether lanes run in parallel (PostgreSQL); SQLite has one writer, so not there."""
    return db.engine.dialect.name == "postgresql"


def _call_helper(store_id: int) -> None:
    """Queue a second job for the store when its backlog spans lanes (another worker joins)."""
    if not _laned():
        return
    lanes = db.session.execute(
        select(PendingEvent.lane, func.count())
        .where(PendingEvent.store_id == store_id)
        .group_by(PendingEvent.lane)
    ).all()
    db.session.commit()
    if len(lanes) > 1 and sum(n for _, n in lanes) > BATCH_SIZE:
        wake(store_id)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch (or a job's batches).

    A batch allocates hundreds of thousands of short-lived objects (rows, snapshots, run and
    step dicts), nearly all freed by reference counting; meanwhile the collector kept starting
    full collections that walk the whole process heap (the app, its mappers): a quarter of the
    batch's time on the 100,000-customer store. Collections resume after the batch.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def run_batch(store_id: int, limit: int = BATCH_SIZE) -> int:
    """Claim and process up to `limit` pending events of a store; return how many."""
    with _keep_loaded(), _collector_paused():
        store = db.session.get(Store, store_id)
        if store is None:
            return 0
        ids = _claim(store_id, limit)
        if not ids:
            db.session.commit()
            return 0
        events = list(db.session.scalars(select(Event).where(Event.id.in_(ids)).order_by(Event.id)))
        _hand_to_subscribers(store_id, events)
        batch = Batch(store, utcnow())
        if store.is_active:
            batch.run(events)
        db.session.commit()
        batch.continue_handed_off()
    return len(ids)


def _hand_to_subscribers(store_id: int, events: list[Event]) -> None:
    """Queue one job per batch subscriber with the batch's events it wants (on commit)."""
    for path, types in registries().batch_subscribers.items():
        mine = [ev.id for ev in events if ev.type in types]
        if mine:
            enqueue_after_commit(path, store_id, mine, store_id=store_id)


def _claim(store_id: int, limit: int) -> list[int]:
    """Take the next pending events of one free lane (PostgreSQL) or of the store; return
    their ids in order (their pending rows deleted in this transaction).

    On PostgreSQL each lane has its own transaction-scoped advisory lock, so two workers take
    two lanes of one store at once; a lane another worker holds is left to it.
    """
    pending = select(PendingEvent.event_id).where(PendingEvent.store_id == store_id)
    if not _laned():
        return _take(pending.order_by(PendingEvent.event_id).limit(limit))
    lanes = db.session.scalars(
        select(PendingEvent.lane)
        .where(PendingEvent.store_id == store_id)
        .group_by(PendingEvent.lane)
        .order_by(func.min(PendingEvent.event_id))
    ).all()
    for lane in lanes:
        locked = db.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:c, :k)"),
            {"c": LOCK_CLASS, "k": store_id * LANES + lane},
        )
        if locked:
            stmt = pending.where(PendingEvent.lane == lane).order_by(PendingEvent.event_id)
            ids = _take(stmt.limit(limit))
            if ids:
                return ids
    return []


def _take(pending: Any) -> list[int]:
    """Delete the selected pending rows; return their event ids in order (one statement)."""
    p = PendingEvent
    taken = delete(p).where(p.event_id.in_(pending)).returning(p.event_id)
    return sorted(db.session.scalars(taken, execution_options={"synchronize_session": False}))


@dataclass
class Compiled:
    """An automation version ready to match: its definition and predicates.

    `first_failure` gives None when the conditions hold, else the top-level condition that
    failed first (what the skip tallies count).
    """

    id: int
    version: int
    definition: dict[str, Any]
    first_failure: FirstFailure
    exits: Predicate
    trace: Callable[[Snapshot], Trace]


def compiled_automations(store: Store) -> dict[str, list[Compiled]]:
    """Return the store's enabled automations by trigger, compiled once per version.

    The cache key carries the creation time too: SQLite may hand a deleted row's id out again.
    """
    cache: dict[tuple[Any, ...], Compiled] = current_app.extensions.setdefault(
        "ecomapp_compiled_automations", {}
    )
    a = Automation
    rows = db.session.execute(
        select(a.id, a.version, a.trigger_key, a.created_at)
        .where(a.store_id == store.id, a.enabled.is_(True))
        .order_by(a.id)
    ).all()
    keys = {row.id: (store.id, row.id, row.version, row.created_at) for row in rows}
    missing = [row.id for row in rows if keys[row.id] not in cache]
    if missing:
        stmt = select(a.id, a.version, a.definition).where(a.id.in_(missing))
        for row in db.session.execute(stmt):
            definition = row.definition
            predicate = compile_first_failure(definition["conditions"])
            exits = compile_exit(definition["exit_conditions"])
            trace = compile_trace(definition["conditions"])
            compiled = Compiled(row.id, row.version, definition, predicate, exits, trace)
            cache[keys[row.id]] = compiled
    out: dict[str, list[Compiled]] = {}
    for row in rows:
        if keys[row.id] in cache and cache[keys[row.id]].version == row.version:
            out.setdefault(row.trigger_key, []).append(cache[keys[row.id]])
    return out


class Handoff(Exception):
    """A step whose effect is not batched: the run continues through `drive` after commit."""


@dataclass
class _Started:
    """A run started in this batch, as plain rows until the batch writes them."""

    row: dict[str, Any]
    automation: Compiled
    snap: Snapshot
    steps: list[dict[str, Any]] = field(default_factory=list)
    due: dict[str, Any] | None = None
    handed_off: bool = False
    run_id: int | None = None


class Batch:
    """One batch of one store's events: runs, tallies and tag effects in one transaction."""

    def __init__(self, store: Store, now: datetime) -> None:
        self.store, self.now = store, now
        self.tags = TagBatch(store)
        self.mail = MailBatch(store)
        self.notes = NoteBatch(store)
        self.started: list[_Started] = []
        self.events: list[Event] = []
        self.key = str(current_app.config["SECRET_KEY"]).encode()

    def run(self, claimed: list[Event]) -> None:
        """Evaluate, start matched runs, walk their batched steps, apply tag changes."""
        by_trigger = compiled_automations(self.store)
        events = [e for e in claimed if by_trigger.get(e.type)]
        self.events = events  # held: handed-off runs find their events in the session
        if not events:
            return
        snaps = load_snapshots(self.store, events)
        seen = self._seen([e.id for e in events])
        tally = Tally()
        for ev in events:
            for automation in _candidates(by_trigger, ev):
                if (automation.id, ev.id) in seen:
                    continue
                failed = automation.first_failure(snaps[ev.id])
                hit = failed is None
                tally.count(automation.id, self.now.date(), hit)
                if not hit:
                    tally.skip(automation.id, automation.version, self.now.date(), failed)
                if hit:
                    self._start(ev, automation, snaps[ev.id])
        for started in self.started:
            self._walk(started)
        self._write_runs()
        refused = self._apply_tags()
        self._apply_notes()
        self._write_mail()
        self._write_steps(refused)
        tally.save(self.store.id)  # last: lanes share these rows, so their locks are held briefly

    def _seen(self, event_ids: list[int]) -> set[tuple[int, int]]:
        # By event alone, within the batch's id range: an event's runs are its store's, and
        # the range keeps the event index when statistics of the fast-growing runs table are
        # stale (the planner scanned every run of the store, or the table, at 50-80 ms a batch).
        low, high = min(event_ids), max(event_ids)
        stmt = select(Run.automation_id, Run.event_id).where(
            Run.event_id.between(low, high), Run.event_id.in_(event_ids)
        )
        return {(row[0], row[1]) for row in db.session.execute(stmt)}

    def _start(self, ev: Event, automation: Compiled, snap: Snapshot) -> None:
        trace = automation.trace(snap)
        objects = snap.get(OBJECTS, {})
        row = {
            "store_id": self.store.id,
            "automation_id": automation.id,
            "version": automation.version,
            "event_id": ev.id,
            "event_type": ev.type,
            "status": RunStatus.RUNNING.value,
            "customer_id": objects.get("customer", {}).get("id"),
            "order_id": objects.get("order", {}).get("id"),
            "subject": _subject(objects)[:255],
            "trace": {"matched": True, "conditions": trace},
            "outputs": {},
            "next_step": 0,
            "wake_at": None,
            "claimed_at": self.now,
            "error": None,
            "started_at": self.now,
            "finished_at": None,
        }
        self.started.append(_Started(row, automation, snap))

    def _walk(self, started: _Started) -> None:
        row, definition = started.row, started.automation.definition
        state, now, timezone = RunState(), self.now, self.store.timezone

        def context(index: int, snap: Snapshot) -> StepContext:
            ids = (row["automation_id"], row["version"], row["event_id"], index)
            return StepContext(self.store, *ids, snap, signing_key=self.key)

        def record(index: int, kind: str, status: str, detail: dict[str, Any]) -> None:
            tries = 1 if kind not in ("wait", "exit") and status != "skipped" else 0
            started.steps.append(_step(self.store.id, index, kind, status, detail, tries, now))

        effects = _PlannedEffects(self.tags, self.mail, self.notes, started)
        load = lambda: started.snap  # noqa: E731
        try:
            exits = started.automation.exits
            advance(definition, state, load, effects, context, now, timezone, record, exits)
        except Handoff:
            started.handed_off = True
        row["status"], row["next_step"] = state.status, state.next_step
        row["outputs"] = dict(state.outputs)
        if started.handed_off:
            row["status"] = RunStatus.RUNNING.value
        elif state.status == RunStatus.WAITING.value and state.wake_at is not None:
            row["wake_at"] = state.wake_at
            started.due = {"due_at": state.wake_at, "step": state.next_step}
        else:
            row["finished_at"] = self.now

    def _write_runs(self) -> None:
        if not self.started:
            return
        table, rows = Run.__table__, [s.row for s in self.started]
        if _copies():
            # Ids from the sequence, then COPY: a RETURNING insert of thousands of rows costs
            # psycopg more to parse than to run, and COPY skips the per-row statement.
            conn = db.session.connection()
            ids = reserve_ids(conn, table, len(rows))
            for row, run_id in zip(rows, ids, strict=True):
                row["id"] = run_id
            insert_rows(conn, table, rows)
        else:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids = list(db.session.scalars(stmt, rows).all())
        for started, run_id in zip(self.started, ids, strict=True):
            started.run_id = run_id

    def _apply_tags(self) -> dict[str, Exception]:
        if not self.tags.planned:
            return {}
        claimed = self.tags.claim()
        refused = self.tags.apply(claimed)
        self.tags.release(list(refused))
        for key, pending in self.tags.planned.items():
            started, index = pending.owner, int(key.rsplit(":s", 1)[1])
            step = next((s for s in started.steps if s["step"] == index), None)
            if step is None or isinstance(refused.get(key), Skipped):
                continue  # a step after a refused one: recorded as not run
            if key in refused:
                self._refuse(started, step, refused[key])
            elif key not in claimed:
                step["detail"] = {"result": applied_result(self.store, key)}
        return refused

    def _apply_notes(self) -> None:
        """Claim and add the planned notes of runs still standing; fail the refused runs."""
        standing = {
            key: step
            for key, planned in self.notes.planned.items()
            if planned.owner.row["status"] != RunStatus.FAILED.value
            and (step := _step_row(planned.owner, planned.step)) is not None
        }
        claimed = self.notes.claim(list(standing))
        refused = self.notes.apply(claimed)
        self.tags.release(list(refused))
        for key, step in standing.items():
            if key in refused:
                self._refuse(self.notes.planned[key].owner, step, refused[key])
            elif key not in claimed:
                step["detail"] = {"result": applied_result(self.store, key)}

    def _refuse(self, started: _Started, step: dict[str, Any], exc: Exception) -> None:
        """Fail a run whose tag target or note was refused for good; later steps are not run."""
        if started.row["status"] == RunStatus.FAILED.value:
            return
        message = describe(exc)
        step.update(status="failed", error=message, detail={})
        started.steps = [s for s in started.steps if s["step"] <= step["step"]]
        started.due, started.handed_off = None, False
        values = {"status": RunStatus.FAILED.value, "error": message, "next_step": step["step"]}
        values |= {"finished_at": self.now, "wake_at": None}
        started.row.update(values)
        db.session.execute(update(Run).where(Run.id == started.run_id).values(**values))
        run = db.session.get(Run, started.run_id)
        assert run is not None
        for later in skipped_later_steps(run, started.automation.definition, step["step"]):
            row = (later.step, later.kind, later.status, later.detail)
            started.steps.append(_step(self.store.id, *row, 0, self.now))

    def _write_mail(self) -> None:
        """Record the planned mails of runs whose e-mail step still stands (not after a refusal)."""
        kept = [
            mail
            for mail in self.mail.planned.values()
            if any(s["step"] == mail.step and s["status"] == "done" for s in mail.owner.steps)
        ]
        self.mail.write(kept)

    def _write_steps(self, refused: dict[str, Exception]) -> None:
        steps = [s | {"run_id": st.run_id} for st in self.started for s in st.steps]
        if steps and _copies():
            insert_rows(db.session.connection(), RunStep.__table__, steps)
        elif steps:
            db.session.execute(insert(RunStep.__table__), steps)
        due = [
            {
                "store_id": self.store.id,
                "job": RESUME_JOB,
                "args": [st.run_id, st.due["due_at"].isoformat()],
                "attempt": 1,
                "due_at": st.due["due_at"],
                "status": DueStatus.PENDING.value,
                "dedupe_key": f"run-wake:{st.run_id}:{st.due['step']}",
                "created_at": self.now,
            }
            for st in self.started
            if st.due is not None
        ]
        if due:
            db.session.execute(insert(DueWork.__table__), due)

    def continue_handed_off(self) -> None:
        """Drive runs whose next step is not batched, one by one (after the batch commit)."""
        ids = [s.run_id for s in self.started if s.handed_off]
        runs: dict[int, Run] = {}
        for chunk in range(0, len(ids), 1000):  # loaded together, held while they are driven
            stmt = select(Run).where(Run.id.in_(ids[chunk : chunk + 1000]))
            runs.update((run.id, run) for run in db.session.scalars(stmt))
        for started in self.started:
            handed = started.handed_off and started.run_id is not None
            run = runs.get(started.run_id) if handed and started.run_id is not None else None
            if run is not None:  # the batch wrote no row for its step or later ones: fresh
                definition, snap = started.automation.definition, started.snap
                drive(run, self.store, self.now, definition, snap, fresh=True)


def _step(
    store_id: int,
    index: int,
    kind: str,
    status: str,
    detail: dict[str, Any],
    tries: int,
    now: datetime,
) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "step": index,
        "kind": kind,
        "status": status,
        "detail": detail,
        "error": None,
        "attempts": tries,
        "updated_at": now,
    }


def _step_row(started: _Started, index: int) -> dict[str, Any] | None:
    return next((s for s in started.steps if s["step"] == index), None)


class _PlannedEffects:
    """Plan tag, note and e-mail steps into the batch; hand other actions to the per-run path."""

    def __init__(self, tags: TagBatch, mail: MailBatch, notes: NoteBatch, owner: _Started):
        self.tags, self.mail, self.notes, self.owner = tags, mail, notes, owner

    def apply(self, ctx: StepContext, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """Return the planned tag change's or mail's result, or raise Handoff (NoTarget)."""
        require_target(ctx, action)
        if action == "send_email":
            result = self.mail.plan(ctx, self.owner, params)
        elif action == "order_note":
            last = ctx.step == len(self.owner.automation.definition["steps"]) - 1
            result = self.notes.plan(ctx, self.owner, params, last)
        else:
            result = self.tags.plan(ctx.key, self.owner, action, params, ctx.snap)
        if result is None:
            raise Handoff(action)
        return result


def _candidates(by_trigger: dict[str, list[Compiled]], ev: Event) -> list[Compiled]:
    found = by_trigger.get(ev.type, [])
    if ev.type == SCHEDULE_EVENT:
        wanted = int((ev.data or {}).get("automation_id", 0))
        return [a for a in found if a.id == wanted]
    return found
