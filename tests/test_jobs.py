"""Background work: enqueue after commit, retries, due work, the ticker and the inbox sweep."""

from __future__ import annotations

from datetime import timedelta

import redis
from flask import Flask
from flask.testing import FlaskClient
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.jobs import enqueue_after_commit, enqueue_at, get_queue
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.ticker import tick
from ecomapp.models import Customer, DueWork, InboxDelivery, JobRecord, utcnow
from ecomapp.webhooks.inbox import record_delivery
from tests import jobs_for_tests as jobs
from tests.factories import make_store


def _refusing_redis() -> redis.Redis:
    return redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)


def _our_due_statuses() -> list[str]:
    stmt = select(DueWork.status).where(DueWork.job.endswith("add_customer")).order_by(DueWork.id)
    return list(db.session.scalars(stmt))


def _customers() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Customer)) or 0)


def test_enqueue_waits_for_commit(app: Flask) -> None:
    """Given a job enqueued inside a transaction, then the queue is empty until commit."""
    store = make_store()
    enqueue_after_commit(jobs.add_customer, store.id, "c1", store_id=store.id)
    assert get_queue().count == 0
    db.session.commit()
    assert get_queue().count == 1


def test_enqueue_is_dropped_on_rollback(app: Flask) -> None:
    """Given a job enqueued in a transaction that rolls back, then nothing is queued."""
    store = make_store()
    enqueue_after_commit(jobs.add_customer, store.id, "c1")
    db.session.rollback()
    db.session.commit()
    assert get_queue().count == 0


def test_transient_failure_is_retried_with_backoff(app: Flask) -> None:
    """Given a job failing twice transiently, when time passes, then it succeeds on try 3."""
    store = make_store()
    enqueue_after_commit(jobs.flaky_add_customer, store.id, "c1", 2, store_id=store.id)
    db.session.commit()
    now = utcnow()
    for minutes in (0, 5, 30):
        tick(now + timedelta(minutes=minutes))
        drain(app)
    db.session.expire_all()
    ours = JobRecord.job.endswith("flaky_add_customer")
    statuses = db.session.scalars(select(JobRecord.status).where(ours).order_by(JobRecord.id)).all()
    assert statuses == ["retrying", "retrying", "succeeded"]
    assert _customers() == 1


def test_retry_waits_for_its_due_time(app: Flask) -> None:
    """Given a transient failure, when the ticker runs at once, then the retry is not yet due."""
    store = make_store()
    enqueue_after_commit(jobs.flaky_add_customer, store.id, "c1", 1, store_id=store.id)
    db.session.commit()
    drain(app)
    tick(utcnow())
    retry = select(DueWork.status).where(DueWork.job.endswith("flaky_add_customer"))
    assert db.session.scalar(retry) == "pending"


def test_permanent_failure_shows_in_panel_and_can_be_retried(
    app: Flask, client: FlaskClient
) -> None:
    """Given a job that fails with a 4xx, then the jobs page shows the error and a retry."""
    store = make_store(platform="demo")
    enqueue_after_commit(jobs.broken, store.id, store_id=store.id)
    db.session.commit()
    drain(app)
    page = client.get("/jobs?status=failed").get_data(as_text=True)
    assert "422 Unprocessable: tag too long" in page and "Retry" in page
    record_id = db.session.scalar(select(JobRecord.id))
    token = client.get("/").get_data(as_text=True).split('"X-CSRF-Token": "')[1].split('"')[0]
    response = client.post(f"/jobs/{record_id}/retry", headers={"X-CSRF-Token": token})
    assert response.status_code == 200 and "queued" in response.get_data(as_text=True)
    assert get_queue().count == 1


def test_due_work_is_enqueued_once_when_the_ticker_runs_twice(app: Flask) -> None:
    """Given due work, when two tickers run, then the job is enqueued and run once."""
    store = make_store()
    enqueue_at(utcnow() - timedelta(seconds=1), jobs.add_customer, store.id, "c1")
    db.session.commit()
    tick()
    tick()
    queued = [job.args[0] for job in get_queue().get_jobs()]
    assert [path for path in queued if path.endswith("add_customer")] == [
        "tests.jobs_for_tests:add_customer"
    ]
    drain(app)
    assert _our_due_statuses() == ["enqueued"]
    assert _customers() == 1


def test_future_due_work_waits(app: Flask) -> None:
    """Given work due in an hour, when the ticker runs now, then nothing is enqueued."""
    store = make_store()
    enqueue_at(utcnow() + timedelta(hours=1), jobs.add_customer, store.id, "c1")
    db.session.commit()
    tick()
    assert _our_due_statuses() == ["pending"]
    tick(utcnow() + timedelta(hours=1, seconds=1))
    assert _our_due_statuses() == ["enqueued"]


def test_delivery_recorded_while_redis_is_down_is_swept_later(app: Flask) -> None:
    """Given Redis refusing connections, then the delivery is kept and the sweeper runs it."""
    store = make_store()
    real = app.extensions["ecomapp_redis"]
    app.extensions["ecomapp_redis"] = _refusing_redis()
    try:
        delivery_id, created = record_delivery(
            "demo", "e1", "customer", b'{"platform_id": "9"}', store_id=store.id
        )
    finally:
        app.extensions["ecomapp_redis"] = real
    assert created and get_queue().count == 0
    tick(utcnow() + timedelta(minutes=2))
    drain(app)
    db.session.expire_all()
    assert db.session.get(InboxDelivery, delivery_id).status == "done"
    assert _customers() == 1


def test_failed_enqueue_is_kept_as_due_work(app: Flask) -> None:
    """Given Redis down at commit, then the job becomes due work instead of being lost."""
    store = make_store()
    real = app.extensions["ecomapp_redis"]
    app.extensions["ecomapp_redis"] = _refusing_redis()
    try:
        enqueue_after_commit(jobs.add_customer, store.id, "c9", store_id=store.id)
        db.session.commit()
    finally:
        app.extensions["ecomapp_redis"] = real
    assert _our_due_statuses() == ["pending"]
    tick()
    drain(app)
    assert _customers() == 1


def test_the_simulated_outage_really_refuses() -> None:
    """Given the client the outage tests use, then a ping fails (so they test an outage)."""
    try:
        _refusing_redis().ping()
    except RedisConnectionError:
        return
    raise AssertionError("a closed port answered")


def test_in_process_worker_thread_runs_jobs(app: Flask) -> None:
    """Given the embedded default, when the background thread runs, then queued jobs run."""
    import threading

    from ecomapp.jobs.inprocess import run_once

    store = make_store()
    enqueue_after_commit(jobs.add_customer, store.id, "threaded", store_id=store.id)
    db.session.commit()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            run_once(app)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert errors == []
    db.session.expire_all()
    assert _customers() == 1


def test_retention_prunes_old_finished_rows_and_keeps_failures(app: Flask) -> None:
    """Given old succeeded and failed jobs, when pruning runs, then only the failure stays."""
    from ecomapp.jobs.retention import prune

    store = make_store()
    old = utcnow() - timedelta(days=40)
    db.session.add_all(
        [
            JobRecord(job="x:ok", store_id=store.id, status="succeeded", started_at=old),
            JobRecord(job="x:bad", store_id=store.id, status="failed", started_at=old),
            JobRecord(job="x:new", store_id=store.id, status="succeeded"),
        ]
    )
    db.session.commit()
    assert prune()["job_records"] == 1
    left = set(db.session.scalars(select(JobRecord.job)))
    assert left == {"x:bad", "x:new"}


def test_jobs_have_a_sensible_timeout_and_initial_syncs_a_longer_one(app: Flask) -> None:
    """Given a job and a WooCommerce initial sync enqueued, then RQ kills the first after ten
    minutes and lets the whole-store import run an hour."""
    store = make_store()
    enqueue_after_commit(jobs.add_customer, store.id, "c1", store_id=store.id)
    enqueue_after_commit(
        "ecomapp.platforms.woocommerce.sync:initial_sync", store.id, store_id=store.id
    )
    db.session.commit()
    timeouts = {job.args[0]: job.timeout for job in get_queue().get_jobs()}
    assert timeouts == {
        "tests.jobs_for_tests:add_customer": 600,
        "ecomapp.platforms.woocommerce.sync:initial_sync": 3600,
    }


def test_a_job_for_a_store_it_cannot_see_runs_and_is_recorded_without_it(app: Flask) -> None:
    """Given a store's job that starts before the store is visible (or after it was erased),
    then it still runs and is recorded without the store, instead of failing on the key."""
    store = make_store()
    enqueue_after_commit(jobs.broken, store.id + 1000, store_id=store.id + 1000)  # no such store
    enqueue_after_commit(jobs.add_customer, store.id, "c9", store_id=store.id + 1000)
    db.session.commit()
    drain(app)
    db.session.expire_all()
    records = db.session.execute(select(JobRecord.job, JobRecord.store_id, JobRecord.status)).all()
    by_job = {job.rsplit(":", 1)[1]: (store_id, status) for job, store_id, status in records}
    assert by_job["add_customer"] == (None, "succeeded") and _customers() == 1
    assert by_job["broken"] == (None, "failed")  # its own failure, shown in the panel
