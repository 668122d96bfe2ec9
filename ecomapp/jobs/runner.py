"""The one function RQ runs: resolve a job by path, run it in an app context, record it."""

from __future__ import annotations

import contextvars
import importlib
import logging
import os
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy.exc import IntegrityError

from ecomapp.extensions import db
from ecomapp.jobs.retry import MAX_ATTEMPTS, backoff_seconds, is_transient
from ecomapp.models.types import utcnow
from ecomapp.models.work import JobRecord, JobStatus
from ecomapp.redaction import describe, scrub

log = logging.getLogger(__name__)
# Job path -> the function (`module:function`) reopening its row before the panel's Retry (a
# failed delivery takes new tries); declared here once.
REOPEN: dict[str, str] = {
    "ecomapp.jobs.ingest:ingest_delivery": "ecomapp.jobs.ingest:reopen",
    "ecomapp.events.bus:dispatch_event": "ecomapp.events.bus:reopen",
}
_attempt: contextvars.ContextVar[int] = contextvars.ContextVar("ecomapp_job_attempt", default=1)

_worker_app: Flask | None = None
_pid_seen: int | None = os.getpid()  # dispose only after a real fork


def set_worker_app(app: Flask) -> None:
    """Preload the app that jobs run in (before the worker forks)."""
    global _worker_app, _pid_seen
    _worker_app = app
    _pid_seen = os.getpid()


def worker_app() -> Flask:
    """Return the preloaded app, creating it on first use."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _worker_app is None:
        from ecomapp import create_app

        set_worker_app(create_app())
    assert _worker_app is not None
    return _worker_app


def resolve(path: str) -> Callable[..., Any]:
    """Return the function named by `module:function`."""
    module_name, _, name = path.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def _dispose_inherited_connections() -> None:
    """Drop pooled DB connections inherited from a parent process after fork."""
    global _pid_seen
    if _pid_seen is not None and _pid_seen != os.getpid():
        db.engine.dispose(close=False)
    _pid_seen = os.getpid()


def current_attempt() -> int:
    """Return the attempt number of the job running now (1 outside a job)."""
    return _attempt.get()


def is_last_attempt(exc: BaseException) -> bool:
    """Return True when the job layer will not retry exc (permanent, or out of attempts)."""
    return not is_transient(exc) or current_attempt() >= MAX_ATTEMPTS


def run_job(path: str, args: list[Any], store_id: int | None = None, attempt: int = 1) -> str:
    """Run one job, record its outcome, schedule a retry on a transient failure."""
    app = worker_app()
    with app.app_context():
        _dispose_inherited_connections()
        record_id = _start_record(path, args, store_id, attempt)
        token = _attempt.set(attempt)
        try:
            resolve(path)(*args)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            return _record_failure(record_id, path, args, store_id, attempt, exc)
        finally:
            _attempt.reset(token)
        return _finish(record_id, JobStatus.SUCCEEDED, None)


def record_failed_try(
    path: str, args: list[Any], store_id: int | None, attempt: int, exc: Exception
) -> str:
    """Record a try of path(*args) that failed inside another job, and retry it as run_job would.

    The inbox drain applies many deliveries in one job; one that fails is recorded here as its
    own job (shown on the Jobs page, with Retry) and retried as that job by the job layer.
    """
    record_id = _start_record(path, args, store_id, attempt)
    return _record_failure(record_id, path, args, store_id, attempt, exc)


def _start_record(path: str, args: list[Any], store_id: int | None, attempt: int) -> int:
    """Record the job as running; return the record's id.

    A job can start before the transaction that created its store commits (a bulk seed writes
    from several connections), or after the store was erased. Its record then names no store,
    instead of failing the job on the foreign key and leaving it unable to be queued again.
    """
    record = JobRecord(job=path, args=args, store_id=store_id, attempt=attempt)
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.warning("job %s: store %s not visible, recorded without it", path, store_id)
        record = JobRecord(job=path, args=args, store_id=None, attempt=attempt)
        db.session.add(record)
        db.session.commit()
    return record.id


def _record_failure(
    record_id: int, path: str, args: list[Any], store_id: int | None, attempt: int, exc: Exception
) -> str:
    from ecomapp.jobs.queue import enqueue_at

    message = describe(exc)
    if is_transient(exc) and attempt < MAX_ATTEMPTS:
        delay = backoff_seconds(attempt, getattr(exc, "retry_after", None))
        due = utcnow() + timedelta(seconds=delay)
        enqueue_at(due, path, *args, store_id=store_id, attempt=attempt + 1)
        log.info("job %s attempt %s failed (%s), retry in %.0fs", path, attempt, message, delay)
        return _finish(
            record_id, JobStatus.RETRYING, f"{message} (retry {attempt + 1} at {due:%H:%M:%S})"
        )
    log.error("job %s failed: %s\n%s", path, message, scrub(traceback.format_exc()))
    return _finish(record_id, JobStatus.FAILED, message)


def _finish(record_id: int, status: JobStatus, error: str | None) -> str:
    record = db.session.get(JobRecord, record_id)
    if record is not None:
        record.status = status.value
        record.error = error
        record.finished_at = utcnow()
    db.session.commit()
    db.session.remove()
    return status.value


def retry_record(record_id: int, store_id: int | None) -> bool:
    """Enqueue a failed job again from attempt 1 (the panel's retry button)."""
    from ecomapp.jobs.queue import enqueue_after_commit

    record = db.session.get(JobRecord, record_id)
    if record is None or record.store_id != store_id or record.status != JobStatus.FAILED.value:
        return False
    record.status = JobStatus.QUEUED.value
    reopen = REOPEN.get(record.job)
    if reopen is not None:
        resolve(reopen)(*record.args)
    enqueue_after_commit(record.job, *record.args, store_id=record.store_id)
    db.session.commit()
    return True
