"""Live runs step by step: resuming after waits, retries, failures and the stuck-run sweeper.

New events reach runs through `batch.process_store_events`; a run continues here when its next
step is not batched, after a wait, or on retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from ecomapp.automation.actions import LiveEffects
from ecomapp.automation.branches import program, step_kind
from ecomapp.automation.context import load_snapshot
from ecomapp.automation.effects import StepContext
from ecomapp.automation.engine import RunState, advance
from ecomapp.extensions import affected, db
from ecomapp.jobs.queue import enqueue_after_commit, enqueue_at
from ecomapp.jobs.retry import MAX_ATTEMPTS, backoff_seconds, is_transient
from ecomapp.models import AutomationVersion, Event, Run, RunStatus, RunStep, Store
from ecomapp.models.types import as_utc, utcnow
from ecomapp.redaction import describe

log = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=15)
RESUMABLE = (RunStatus.WAITING.value, RunStatus.RETRYING.value)


@contextmanager
def _keep_loaded() -> Iterator[None]:
    """Keep loaded rows across this job's commits (each step commits; nothing else writes them)."""
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = before


def _subject(objects: dict[str, Any]) -> str:
    for name in ("order", "cart", "customer", "variant", "product"):
        obj = objects.get(name)
        if obj:
            label = obj.get("name") or obj.get("email") or obj.get("sku") or obj.get("title")
            return f"{name} {label or obj.get('id')}"
    return "store"


def definition_of(run: Run) -> dict[str, Any]:
    """Return the definition of the version a run started with."""
    row = db.session.scalar(
        select(AutomationVersion).where(
            AutomationVersion.store_id == run.store_id,
            AutomationVersion.automation_id == run.automation_id,
            AutomationVersion.version == run.version,
        )
    )
    if row is None:
        raise LookupError(f"automation {run.automation_id} has no version {run.version}")
    return row.definition


def drive(
    run: Run,
    store: Store,
    now: datetime,
    definition: dict[str, Any] | None = None,
    snap: dict[str, Any] | None = None,
    fresh: bool = False,
) -> None:
    """Advance a claimed run, persisting each step; handle waits, retries and failures.

    A `fresh` run was created in this job, so it has no step rows to look up yet.
    """
    event = db.session.get(Event, run.event_id)
    definition = definition or definition_of(run)
    steps = program(definition)
    waiting = run.next_step < len(steps) and steps[run.next_step]["type"] == "wait"
    state = RunState(run.status, run.next_step, run.wake_at if waiting else None)
    state.outputs = dict(run.outputs or {})
    key = current_app.config["SECRET_KEY"].encode()

    def context(index: int, snap: dict[str, Any]) -> StepContext:
        ids = (run.automation_id, run.version, run.event_id, index)
        return StepContext(store, *ids, snap, run_id=run.id, signing_key=key)

    def record(index: int, kind: str, status: str, detail: dict[str, Any]) -> None:
        _record_step(run, index, kind, status, detail, None, fresh)
        run.next_step = state.next_step + (1 if status in ("done", "skipped") else 0)
        run.outputs = dict(state.outputs)
        if index < len(steps) - 1:  # durable before the next step starts; the last one settles
            db.session.commit()

    load = _loader(store, event, definition, snap)
    try:
        advance(definition, state, load, LiveEffects(), context, now, store.timezone, record)
    except Exception as exc:
        db.session.rollback()
        _step_failed(run, store, state.next_step, exc, now)
        return
    _settle(run, state, now)


def _loader(
    store: Store, event: Event | None, definition: dict[str, Any], snap: dict[str, Any] | None
) -> Callable[[], dict[str, Any]]:
    """Reload the snapshot before each step only when exit conditions need fresh facts."""
    has_exit = bool(next(iter(definition["exit_conditions"].values()), []))
    cached = [snap]

    def load() -> dict[str, Any]:
        if event is None:
            raise LookupError("the run's event is gone")
        if has_exit or cached[0] is None:
            cached[0] = load_snapshot(store, event)
        return cast(dict[str, Any], cached[0])

    return load


def _settle(run: Run, state: RunState, now: datetime) -> None:
    run.status, run.next_step, run.wake_at = state.status, state.next_step, state.wake_at
    run.outputs = dict(state.outputs)
    if state.status == RunStatus.WAITING.value and state.wake_at is not None:
        _schedule(run, state.wake_at, f"run-wake:{run.id}:{state.next_step}")
    else:
        run.finished_at = now
    db.session.commit()


def _schedule(run: Run, due: datetime, dedupe_key: str) -> None:
    try:
        with db.session.begin_nested():
            enqueue_at(
                due,
                resume_run,
                run.id,
                due.isoformat(),
                store_id=run.store_id,
                dedupe_key=dedupe_key,
            )
            db.session.flush()
    except IntegrityError:
        pass


def _record_step(
    run: Run,
    index: int,
    kind: str,
    status: str,
    detail: dict[str, Any],
    error: str | None,
    fresh: bool = False,
) -> RunStep:
    step = (
        None
        if fresh
        else db.session.scalar(
            select(RunStep).where(
                RunStep.store_id == run.store_id, RunStep.run_id == run.id, RunStep.step == index
            )
        )
    )
    if step is None:
        step = RunStep(store_id=run.store_id, run_id=run.id, step=index, attempts=0)
        db.session.add(step)
    step.kind, step.status, step.detail, step.error = kind, status, detail, error
    tried = kind not in ("wait", "exit") and status != "skipped"
    step.attempts = (step.attempts or 0) + (1 if tried else 0)
    return step


def _step_failed(run: Run, store: Store, index: int, exc: Exception, now: datetime) -> None:
    definition = definition_of(run)
    steps = program(definition)
    kind = steps[index].get("action", "step") if index < len(steps) else "step"
    message = describe(exc)
    step = _record_step(run, index, kind, "failed", {}, message)
    run.next_step, run.error = index, message
    if is_transient(exc) and step.attempts < MAX_ATTEMPTS:
        due = now + timedelta(
            seconds=backoff_seconds(step.attempts, getattr(exc, "retry_after", None))
        )
        step.status, run.status, run.wake_at = "retrying", RunStatus.RETRYING.value, due
        _schedule(run, due, f"run-retry:{run.id}:{index}:{step.attempts}")
    else:
        run.status, run.finished_at = RunStatus.FAILED.value, now
        db.session.add_all(skipped_later_steps(run, definition, index))
        log.info("run %s failed at step %s: %s", run.id, index, message)
    db.session.commit()


def skipped_later_steps(run: Run, definition: dict[str, Any], failed: int) -> list[RunStep]:
    """Return rows for the steps after a permanently failed one: not run, and because of what."""
    steps = program(definition)
    kind = steps[failed].get("action", "step") if failed < len(steps) else "step"
    because = f"step {failed + 1} ({kind}) failed"
    rows = []
    for index in _later(steps, failed):
        row = (
            db.session.scalar(
                select(RunStep).where(RunStep.run_id == run.id, RunStep.step == index)
            )
            if run.id is not None
            else None
        )
        row = row or RunStep(store_id=run.store_id, run_id=run.id, step=index, attempts=0)
        row.kind = step_kind(steps[index])
        row.status, row.detail, row.error = "not run", {"because": because}, None
        rows.append(row)
    return rows


def _later(steps: list[dict[str, Any]], failed: int) -> list[int]:
    """Return the steps after `failed` on its path: up to a jump, then from where it leads."""
    out, index = [], failed + 1
    while index < len(steps):
        if steps[index]["type"] == "jump":
            index = int(steps[index]["to"])
            continue
        out.append(index)
        index += 1
    return out


def claim(run_id: int, now: datetime) -> Run | None:
    """Take a waiting, retrying or stuck run for this worker; None when someone else has it."""
    stuck = (Run.status == RunStatus.RUNNING.value) & (Run.claimed_at <= now - STUCK_AFTER)
    result = db.session.execute(
        update(Run)
        .where(Run.id == run_id, or_(Run.status.in_(RESUMABLE), stuck))
        .values(status=RunStatus.RUNNING.value, claimed_at=now)
    )
    db.session.commit()
    return db.session.get(Run, run_id) if affected(result) == 1 else None


def resume_run(run_id: int, due_iso: str | None = None) -> None:
    """Continue a run after its wait or retry delay (the due time is the run's clock)."""
    due = as_utc(datetime.fromisoformat(due_iso)) if due_iso else None
    now = max(utcnow(), due) if due else utcnow()
    run = claim(run_id, now)
    if run is None:
        return
    store = db.session.get(Store, run.store_id)
    if store is None or not store.is_active:
        return
    if run.wake_at is not None and due is not None and run.wake_at > now:
        run.status = RunStatus.WAITING.value
        db.session.commit()
        return
    with _keep_loaded():
        drive(run, store, now)


def retry_run(run_id: int, store_id: int) -> bool:
    """Queue a failed run again from its failed step (the panel's retry button)."""
    run = db.session.get(Run, run_id)
    if run is None or run.store_id != store_id or run.status != RunStatus.FAILED.value:
        return False
    run.status, run.finished_at, run.error = RunStatus.RETRYING.value, None, None
    enqueue_after_commit(resume_run, run.id, store_id=store_id)
    db.session.commit()
    return True


def sweep_runs(now: datetime | None = None) -> int:
    """Re-enqueue runs whose wake-up or worker was lost (Redis flushed, worker killed)."""
    now = now or utcnow()
    late = now - STUCK_AFTER
    rows = db.session.scalars(
        select(Run.id)
        .where(
            or_(
                (Run.status.in_(RESUMABLE)) & (Run.wake_at <= late),
                (Run.status == RunStatus.RUNNING.value) & (Run.claimed_at <= late),
            )
        )
        .limit(500)
    ).all()
    for run_id in rows:
        enqueue_after_commit(resume_run, run_id, now.isoformat())
    db.session.commit()
    return len(rows)
