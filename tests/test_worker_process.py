"""A job enqueued by the web process is run by a separate worker process on real Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ecomapp import create_app
from ecomapp.extensions import db
from ecomapp.jobs import enqueue_after_commit
from ecomapp.models import Customer, JobRecord
from tests import jobs_for_tests as jobs
from tests import services
from tests.conftest import make_settings
from tests.factories import make_store

ROOT = Path(__file__).resolve().parent.parent


def _real_redis_url() -> str:
    url = services.redis_for_processes()
    if url is None:
        if services.IN_CI:
            pytest.fail("CI must provide Redis at 127.0.0.1:6379 (or TEST_REDIS_URL)")
        pytest.skip(
            "no Redis at 127.0.0.1:6379: the embedded fakeredis cannot be shared "
            "between processes, so the separate-worker test is skipped"
        )
    return url


@pytest.mark.real_services
def test_separate_worker_process_runs_a_job_from_the_web_process(app: Flask) -> None:
    """Given a job enqueued after commit on real Redis, then `worker --burst` runs it."""
    redis_url = _real_redis_url()
    prefix = f"ecomapp-worker-test-{services.RUN_ID}"
    web = create_app(
        make_settings(redis_url=redis_url, queue_prefix=prefix),
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    with web.app_context():
        store = make_store()
        enqueue_after_commit(jobs.add_customer, store.id, "from-web", store_id=store.id)
        db.session.commit()
        store_id = store.id
        db.session.remove()
        db.engine.dispose()
    env = os.environ | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "QUEUE_PREFIX": prefix,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "ENCRYPTION_KEY": "test-encryption-key",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "ecomapp.jobs.worker", "--burst", "--no-ticker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    db.session.expire_all()
    customer = db.session.scalar(select(Customer).where(Customer.store_id == store_id))
    assert customer is not None and customer.platform_id == "from-web"
    record = db.session.scalar(select(JobRecord).where(JobRecord.job.endswith("add_customer")))
    assert record is not None and record.status == "succeeded"
