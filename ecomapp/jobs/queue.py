"""Queue access and enqueue-after-commit: a job never runs before its rows exist."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import fakeredis
from flask import Flask, current_app
from redis import Redis
from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus
from rq.worker.base import BaseWorker
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from ecomapp.extensions import db
from ecomapp.models.types import utcnow
from ecomapp.registries import registries

log = logging.getLogger(__name__)

PENDING_KEY = "ecomapp_pending_jobs"
# The queues a worker serves, first first: ingestion (the inbox drain) goes ahead of the work
# it causes, so a delivery is not held behind a backlog of mail and segment jobs.
QUEUES = ("ingest", "default")
# Job path -> the function (`module:function`) giving the RQ job id of its call (args given):
# such a job is queued at most once at a time, and a sweeper can ask Redis whether it is there.
# Declared here once, not filled at import by the modules that own the jobs.
JOB_IDS: dict[str, str] = {
    "ecomapp.jobs.ingest:ingest_delivery": "ecomapp.jobs.ingest:delivery_job_id",
    "ecomapp.events.bus:dispatch_event": "ecomapp.events.bus:dispatch_job_id",
}
# Job path -> the function (`module:function`) giving the Redis key of its wake-up flag (args
# given): the flag says "one such job is queued and no worker has taken it"; wake-ups are
# coalesced on it, and it is cleared the moment a worker takes the job (`clear_wake_flag`),
# so a worker killed afterwards blocks no later wake-up. Declared here once.
WAKE_FLAGS: dict[str, str] = {
    "ecomapp.jobs.inbox_drain:drain_inbox": "ecomapp.jobs.inbox_drain:wake_key",
    "ecomapp.automation.batch:process_store_events": "ecomapp.automation.batch:wake_key",
}
LIVE_STATUSES = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED}


def redis_connection(app: Flask | None = None) -> Redis:
    """Return the app's Redis connection: real when REDIS_URL is set, else in-process."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    conn = app.extensions.get("ecomapp_redis")
    if conn is None:
        url = app.config["SETTINGS"].redis_url
        if url:
            options: dict[str, Any] = {}
            if url.startswith("rediss://"):
                options["ssl_cert_reqs"] = None  # Heroku Redis uses a self-signed certificate
            conn = Redis.from_url(url, **options)
        else:
            conn = fakeredis.FakeRedis(server=fakeredis.FakeServer())
        app.extensions["ecomapp_redis"] = conn
    return conn


def get_queue(name: str = "default", app: Flask | None = None) -> Queue:
    """Return the RQ queue `name` on the app's connection."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.config["SETTINGS"]
    return Queue(
        f"{settings.queue_prefix}-{name}",
        connection=redis_connection(app),
        default_timeout=settings.job_timeout,
    )


def job_id(path: str, args: list[Any]) -> str | None:
    """Return the RQ job id of path(*args) when its job is unique, else None."""
    from ecomapp.jobs.runner import resolve

    maker = JOB_IDS.get(path)
    if maker is None:
        return None
    return f"{current_app.config['SETTINGS'].queue_prefix}-{resolve(maker)(list(args))}"


def live_job_ids(ids: list[str], started_since: datetime) -> set[str]:
    """Return the ids Redis holds waiting in a queue, or running since started_since.

    A job that started earlier is taken as lost (its work-horse was killed with its worker), and
    so is a `queued` job missing from its queue (its worker died between dequeue and start).
    Raises redis.ConnectionError when Redis is down.
    """
    connection = redis_connection()
    live = set()
    for job in Job.fetch_many(ids, connection=connection):
        if job is None:
            continue
        status = job.get_status(refresh=False)
        if status == JobStatus.QUEUED and not _in_queue(connection, job):
            continue
        if status == JobStatus.STARTED and _started_before(job, started_since):
            continue
        if status in LIVE_STATUSES:
            live.add(job.id)
    return live


def _started_before(job: Job, moment: datetime) -> bool:
    started = job.started_at
    return started is not None and started.replace(tzinfo=moment.tzinfo) < moment


def _in_queue(connection: Redis, job: Job) -> bool:
    return connection.lpos(Queue(job.origin, connection=connection).key, job.id) is not None


def clear_wake_flag(path: str, args: list[Any]) -> None:
    """Clear the wake-up flag of path(*args), if it has one: its job was taken (never raises)."""
    from ecomapp.jobs.runner import resolve

    maker = WAKE_FLAGS.get(path)
    if maker is None:
        return
    try:
        redis_connection().delete(resolve(maker)(list(args)))
    except Exception as exc:  # Redis down: the flag expires on its own
        log.warning("wake-up flag of %s not cleared (%s)", path, exc)


def wake_job(
    path: str,
    args: list[Any],
    ttl: int,
    store_id: int | None = None,
    queue: str = "default",
    force: bool = False,
) -> None:
    """Queue path(*args) unless its wake-up flag says one is queued and not taken yet.

    The flag (`WAKE_FLAGS`) is set with `SET NX EX ttl`; only the caller that sets it queues
    the job. `force` queues one anyway. With Redis down, push_now keeps the job as due work.
    """
    from ecomapp.jobs.runner import resolve

    key = resolve(WAKE_FLAGS[path])(list(args))
    try:
        conn = redis_connection()
        if force:
            conn.delete(key)
        fresh = bool(conn.set(key, 1, nx=True, ex=ttl))
    except Exception as exc:
        log.warning("wake-up of %s not coalesced (%s)", path, exc)
        fresh = True
    if fresh:
        push_now(queue, path, list(args), store_id, 1)


class TakesWakeFlags(BaseWorker):
    """Mixed into an RQ worker class: clears a job's wake-up flag as the worker takes the job
    (before any fork), so a worker killed between taking a job and starting it blocks no
    wake-up. It comes first in the bases (`class W(TakesWakeFlags, rq.Worker)`)."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Clear the taken job's wake-up flag, then run it as the worker class does."""
        from ecomapp.jobs.runner import worker_app

        clear_taken_job_flag(job, worker_app())
        super().execute_job(job, queue)


def clear_taken_job_flag(job: Job, app: Flask) -> None:
    """Clear the wake-up flag of an RQ job running `run_job(path, args, …)` a worker took."""
    if (job.func_name or "").endswith("run_job") and len(job.args) >= 2:
        with app.app_context():
            clear_wake_flag(str(job.args[0]), list(job.args[1]))


def job_path(func: Callable[..., Any] | str) -> str:
    """Return the import path `module:function` of a job function."""
    if isinstance(func, str):
        return func
    return f"{func.__module__}:{func.__qualname__}"


def enqueue_after_commit(
    func: Callable[..., Any] | str,
    *args: Any,
    store_id: int | None = None,
    attempt: int = 1,
    queue: str = "default",
) -> None:
    """Enqueue func(*args) once the current transaction commits (dropped on rollback)."""
    pending = db.session().info.setdefault(PENDING_KEY, [])
    pending.append((queue, job_path(func), list(args), store_id, attempt))


def enqueue_at(
    due_at: datetime,
    func: Callable[..., Any] | str,
    *args: Any,
    store_id: int | None = None,
    attempt: int = 1,
    dedupe_key: str | None = None,
) -> None:
    """Record func(*args) as due work at due_at; the ticker enqueues it then."""
    from ecomapp.models.work import DueWork

    db.session.add(
        DueWork(
            store_id=store_id,
            job=job_path(func),
            args=list(args),
            attempt=attempt,
            due_at=due_at,
            dedupe_key=dedupe_key,
        )
    )


def push_now(queue: str, path: str, args: list[Any], store_id: int | None, attempt: int) -> None:
    """Hand one job to RQ now; if Redis refuses, keep it as due work instead."""
    try:
        _push(queue, path, args, store_id, attempt)
    except Exception as exc:  # Redis down: never lose the job
        log.warning("enqueue of %s failed (%s); kept as due work", path, exc)
        _keep_as_due_work(path, args, store_id, attempt)


def _push(queue: str, path: str, args: list[Any], store_id: int | None, attempt: int) -> None:
    from ecomapp.jobs.runner import run_job

    rq_queue = get_queue(queue)
    unique_id = job_id(path, args)
    seconds = registries().job_timeouts.get(path)  # whole-store jobs (initial syncs)
    if unique_id is None:
        pipe = rq_queue.connection.pipeline()  # SADD of the queue, job hash, push: one MULTI
        job_args = (path, args, store_id, attempt)
        rq_queue.enqueue_call(run_job, job_args, timeout=seconds, pipeline=pipe)
        pipe.execute()
        return
    timeout = {"job_timeout": seconds} if seconds else {}
    options: dict[str, Any] = {"job_id": unique_id, "unique": True, "result_ttl": 0, **timeout}
    try:
        rq_queue.enqueue(run_job, path, args, store_id, attempt, **options)
    except DuplicateJobError:
        old = Job.fetch(unique_id, connection=rq_queue.connection)
        if old.get_status() in LIVE_STATUSES:
            return  # already queued or running: once is enough
        old.delete()  # a finished or failed run of the same call: queue it again
        rq_queue.enqueue(run_job, path, args, store_id, attempt, **options)


def _keep_as_due_work(path: str, args: list[Any], store_id: int | None, attempt: int) -> None:
    from ecomapp.models.work import DueWork

    with db.engine.begin() as conn:
        conn.execute(
            insert(DueWork.__table__).values(
                store_id=store_id,
                job=path,
                args=args,
                attempt=attempt,
                due_at=utcnow().replace(tzinfo=None),
                status="pending",
                created_at=utcnow().replace(tzinfo=None),
            )
        )


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    for queue, path, args, store_id, attempt in pending or []:
        push_now(queue, path, args, store_id, attempt)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
