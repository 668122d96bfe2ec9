"""No recorded error and no log line carries a consumer key, an OAuth signature or a token."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp import create_app
from ecomapp.extensions import db
from ecomapp.jobs import enqueue_after_commit
from ecomapp.jobs.ingest import INGEST
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.queue import redis_connection
from ecomapp.models import InboxDelivery, JobRecord, Run, RunStep
from ecomapp.registries import registries
from ecomapp.webhooks.inbox import record_delivery
from tests import services
from tests.automation_support import deliver, make_automation, run_at
from tests.conftest import make_settings
from tests.factories import customer_record, make_store

ROOT = Path(__file__).resolve().parent.parent
SECRETS = (
    "ck_0123456789abcdef0123",
    "c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw",
    "abc123",
    "Y2tfc2VjcmV0",
    "shpat_0123456789abcdef",
    "hunter2",
)


def _leaks(text: str | None) -> list[str]:
    return [secret for secret in SECRETS if secret in (text or "")]


@pytest.fixture
def stand_ins(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the platform stand-ins that quote signed URLs in their errors."""
    monkeypatch.setitem(registries(app).adapters, "down", "tests.fakes.flaky_platform:DownAdapter")
    monkeypatch.setitem(
        registries(app).adapters, "leaky", "tests.fakes.flaky_platform:LeakyAdapter"
    )


def test_ingest_errors_and_job_records_are_scrubbed(
    app: Flask, client: FlaskClient, stand_ins: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Given a platform whose 503 error quotes an OAuth-signed URL, when its delivery's job
    fails, then the delivery, the job record, the Jobs page and the log show no secret."""
    store = make_store(platform="demo")
    record_delivery("down", "d-1", "customer", b"{}", store_id=store.id)
    with caplog.at_level(logging.INFO):
        drain(app)
    db.session.expire_all()
    delivery = db.session.scalar(select(InboxDelivery))
    record = db.session.scalar(select(JobRecord).where(JobRecord.job == INGEST))
    assert "oauth_consumer_key=***" in (delivery.error or "")
    assert "oauth_signature=***" in (record.error or "")
    assert _leaks(delivery.error) == _leaks(record.error) == []
    assert _leaks(client.get("/jobs").get_data(as_text=True)) == []
    assert "oauth_consumer_key=***" in caplog.text and _leaks(caplog.text) == []


def test_run_errors_are_scrubbed(
    app: Flask, client: FlaskClient, stand_ins: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Given an automation whose tag call is refused with the signed URL and the auth headers
    quoted, when it runs, then the run and its step record the refusal without the secrets."""
    store = make_store(platform="leaky")
    make_automation(
        store,
        {
            "trigger": {"event": "customer.created"},
            "steps": [{"type": "action", "action": "tag_customer", "params": {"tags": ["x"]}}],
        },
    )
    deliver(store, "customer", customer_record(email="a@example.com"))
    with caplog.at_level(logging.INFO):
        run_at(app, store.created_at)
    run = db.session.scalar(select(Run))
    step = db.session.scalar(select(RunStep))
    assert run.status == "failed" and "refused: 401" in (run.error or "")
    assert _leaks(run.error) == _leaks(step.error) == _leaks(caplog.text) == []


@pytest.mark.parametrize(
    "text",
    [
        "https://shop.example.com/wp-json/wc/v3/orders?consumer_key=ck_0123456789abcdef0123"
        "&consumer_secret=cs_0123456789abcdef0123",
        "smtp+starttls://mailer:hunter2@smtp.example.com:587",
        '{"access_token": "shpat_0123456789abcdef0123456789abcdef", "scope": "read_orders"}',
        "Authorization: Bearer abc123abc123abc123",
        "X-Shopify-Access-Token: shpat_0123456789abcdef0123456789abcdef",
    ],
)
def test_log_lines_are_scrubbed_whoever_logs_them(
    app: Flask, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    """Given a library logging a URL, a body or a header with a secret, then the line is
    scrubbed before any handler sees it."""
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").warning("request failed: %s", text)
    assert _leaks(caplog.text) == [] and "***" in caplog.text
    assert "cs_0123456789abcdef0123" not in caplog.text


@pytest.mark.real_services
def test_a_worker_process_logs_no_secret(app: Flask) -> None:
    """Given a job failing with a signed URL in its error, when a real worker runs it, then
    the worker's output and the job record hold no secret."""
    redis_url = services.redis_for_processes()
    if redis_url is None:
        if services.IN_CI:
            pytest.fail("CI must provide Redis at 127.0.0.1:6379 (or TEST_REDIS_URL)")
        pytest.skip("no Redis at 127.0.0.1:6379 to share with a worker process")
    prefix = f"ecomapp-scrub-test-{services.RUN_ID}"
    web = create_app(
        make_settings(redis_url=redis_url, queue_prefix=prefix),
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    with web.app_context():
        enqueue_after_commit("tests.jobs_for_tests:leaky_failure")
        db.session.commit()
        db.session.remove()
        redis_connection(web).close()
        db.engine.dispose()
    env = os.environ | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "QUEUE_PREFIX": prefix,
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
    assert "leaky_failure failed" in done.stderr + done.stdout
    assert _leaks(done.stderr + done.stdout) == []
    db.session.expire_all()
    record = db.session.scalar(select(JobRecord))
    assert record.status == "failed" and _leaks(record.error) == []
