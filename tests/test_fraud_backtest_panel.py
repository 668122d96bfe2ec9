"""The panel's fraud backtest: asked for in a form, scored by a job, followed on its page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.insights.fraud.backtest_job import JOB
from ecomapp.models import FraudBacktest, JobRecord
from tests.automation_support import login
from tests.factories import make_order, make_store
from tests.fraud_support import FEB, labelled_store

CURRENT = "<tr><td>current settings</td><td>3</td><td>2</td><td>100%</td><td>100%</td></tr>"
ADDRESS = "<tr><td>address mismatch alone</td><td>3</td><td>3</td><td>67%</td><td>100%</td></tr>"


def _ask(client: FlaskClient, csrf: str, days: str) -> str:
    reply = client.post("/fraud/backtest", data={"days": days, "csrf_token": csrf})
    assert reply.status_code == 303, reply.get_data(as_text=True)
    return reply.headers["Location"]


def test_a_backtest_is_queued_then_scored_by_a_job_and_its_page_shows_the_figures(
    app: Flask, client: FlaskClient, time_machine: TimeMachineFixture, run_jobs: Callable[[], None]
) -> None:
    """Given the labelled store (and another store's fraud), when the merchant asks for 90 days,
    then the page polls a queued backtest; once the job ran, it shows 28 orders, 2 known
    fraud, the current settings holding both (100%, 100%) and the address check alone three
    (67%, 100%), progress 28 of 28; the form page lists it with its days and settings."""
    store = labelled_store(time_machine)
    make_order(make_store(), total_price="900.00", cancel_reason="fraud", placed_at=FEB)
    db.session.commit()
    csrf = login(client, store)

    location = _ask(client, csrf, "90")
    queued = client.get(location).get_data(as_text=True)
    run_jobs()
    page = client.get(location).get_data(as_text=True)
    fragment = client.get(f"{location}/progress").get_data(as_text=True)

    assert "Queued" in queued and 'hx-trigger="every 2s"' in queued
    assert "28 orders in the last 90 days; 2 known fraud" in page
    assert CURRENT in page and ADDRESS in page and CURRENT in fragment
    assert "hx-get" not in fragment
    bt = db.session.scalar(select(FraudBacktest))
    assert (bt.status, bt.progress_done, bt.progress_total) == ("done", 28, 28)
    page = client.get("/fraud/backtest")
    assert page.mimetype == "text/html"  # a page, not text a browser would show raw
    listing = page.get_data(as_text=True)
    assert (
        'data-testid="backtest-list"' in listing
        and "<td>90</td><td>default settings</td>" in listing
    )


def test_a_bad_day_count_is_refused_naming_days(app: Flask, client: FlaskClient) -> None:
    """Given a store, when 0 days are asked for, then the answer is 400 naming days, no row."""
    csrf = login(client, make_store())

    reply = client.post("/fraud/backtest", data={"days": "0", "csrf_token": csrf})

    assert reply.status_code == 400 and "days: must be" in reply.get_data(as_text=True)
    assert db.session.scalar(select(func.count(FraudBacktest.id))) == 0


def test_another_store_cannot_see_the_backtest(
    app: Flask, client: FlaskClient, time_machine: TimeMachineFixture, run_jobs: Callable[[], None]
) -> None:
    """Given a finished backtest of one store, when another store opens it or its progress,
    then both answer 404 and its list does not show it."""
    store = labelled_store(time_machine)
    location = _ask(client, login(client, store), "90")
    run_jobs()

    login(client, make_store())

    assert client.get(location).status_code == 404
    assert client.get(f"{location}/progress").status_code == 404
    assert 'data-testid="backtest-list"' not in client.get("/fraud/backtest").get_data(as_text=True)


def test_a_failed_job_shows_its_error_and_stops_polling(
    app: Flask, client: FlaskClient, time_machine: TimeMachineFixture, run_jobs: Callable[[], None]
) -> None:
    """Given a queued backtest whose kept settings no longer parse (a value out of range),
    when its job runs, then the job runner records the failure and the page shows that error
    without polling; asking again starts a new backtest instead of waiting on the failed one."""
    store = labelled_store(time_machine)
    csrf = login(client, store)
    location = _ask(client, csrf, "90")
    bt = db.session.scalar(select(FraudBacktest))
    bt.settings = {"high_at": 500}
    db.session.commit()

    run_jobs()
    page = client.get(location).get_data(as_text=True)

    record = db.session.scalar(select(JobRecord).where(JobRecord.job == JOB))
    assert record.status == "failed"
    assert "The backtest failed: InvalidFraudSettings: high_at: must be a whole number" in page
    assert 'data-testid="backtest-error"' in page and "hx-get" not in page
    assert '<span class="badge failed">failed</span>' in client.get("/fraud/backtest").get_data(
        as_text=True
    )
    assert _ask(client, csrf, "90") != location


def test_the_same_backtest_asked_twice_while_queued_runs_once(
    app: Flask, client: FlaskClient, time_machine: TimeMachineFixture, run_jobs: Callable[[], None]
) -> None:
    """Given a queued 90-day backtest, when the merchant asks again for 90 days with the same
    settings, then the same page opens and one job runs; other days are a new backtest."""
    store = labelled_store(time_machine)
    csrf = login(client, store)

    first, again, other = (
        _ask(client, csrf, "90"),
        _ask(client, csrf, "90"),
        _ask(client, csrf, "30"),
    )
    run_jobs()

    assert first == again and other != first
    jobs = db.session.scalars(select(JobRecord.args).where(JobRecord.job == JOB)).all()
    assert sorted(jobs) == [[int(first.rsplit("/", 1)[1])], [int(other.rsplit("/", 1)[1])]]
    assert "28 orders in the last 90 days" in client.get(first).get_data(as_text=True)


def test_a_backtest_whose_worker_was_lost_stops_polling_and_can_be_asked_again(
    app: Flask, client: FlaskClient, time_machine: TimeMachineFixture
) -> None:
    """Given a queued backtest no worker ran (killed with it), when three hours have passed,
    then its page says it stopped without polling and asking again queues a new one."""
    store = labelled_store(time_machine)
    csrf = login(client, store)
    location = _ask(client, csrf, "90")

    time_machine.move_to(datetime(2026, 3, 1, 3, tzinfo=UTC), tick=False)
    page = client.get(location).get_data(as_text=True)

    assert "stopped with its worker" in page and "hx-get" not in page
    assert _ask(client, csrf, "90") != location
