"""Event dispatch is recoverable from the database: a lost dispatch is swept once, never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.jobs import get_queue
from ecomapp.jobs.ingest import ingest_delivery
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.ticker import tick
from ecomapp.models import Customer, Event, InboxDelivery, JobRecord, Run, utcnow
from ecomapp.registries import registries
from tests.automation_support import deliver, make_automation
from tests.factories import customer_record, make_store

DISPATCH = "ecomapp.events.bus:dispatch_event"
TAG_NEW = {
    "trigger": {"event": "customer.created"},
    "steps": [{"type": "action", "action": "tag_customer", "params": {"tags": ["new"]}}],
}


def _queued_dispatches() -> int:
    return sum(1 for job in get_queue().get_jobs() if job.args[0] == DISPATCH)


def _subscribe(app: Flask, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """Subscribe `path` to customer.created in this app for the test."""
    registered = registries(app)
    monkeypatch.setattr(registered, "subscribers", [*registered.subscribers, path])
    monkeypatch.setitem(registered.subscriber_types, path, frozenset({"customer.created"}))


def test_an_event_whose_dispatch_was_lost_is_dispatched_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a customer.created event whose queued dispatch Redis lost, when the ticker runs
    every few seconds for three minutes, then it is dispatched once after a minute and its
    subscriber ran once."""
    path = "tests.jobs_for_tests:tagging_subscriber"
    _subscribe(app, monkeypatch, path)
    store = make_store(platform="demo")
    deliver(store, "customer", customer_record(email="ann@example.com"))
    ingest_delivery(db.session.scalar(select(InboxDelivery.id)))
    get_queue().empty()  # Redis lost the dispatch job
    start = utcnow()
    tick(start + timedelta(seconds=30))
    assert _queued_dispatches() == 0
    for seconds in range(65, 180, 5):
        tick(start + timedelta(seconds=seconds))
    assert _queued_dispatches() == 1
    drain(app)
    db.session.expire_all()
    event = db.session.scalar(select(Event).where(Event.type == "customer.created"))
    assert event.dispatched_at is not None and event.dispatch_rescues == 1
    assert db.session.scalar(select(Customer.tags)) == ["seen"]


def test_a_dispatch_that_failed_for_good_is_not_swept_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a subscriber refusing an event permanently, when its dispatch fails and an hour of
    ticks passes, then the dispatch ran once, failed on the Jobs page, and was not re-sent."""
    path = "tests.jobs_for_tests:refusing_subscriber"
    _subscribe(app, monkeypatch, path)
    store = make_store(platform="demo")
    deliver(store, "customer", customer_record(email="bob@example.com"))
    drain(app)
    start = utcnow()
    for minutes in range(1, 60, 5):
        tick(start + timedelta(minutes=minutes))
        drain(app)
    records = db.session.execute(select(JobRecord.status).where(JobRecord.job == DISPATCH)).all()
    assert [status for (status,) in records] == ["failed"]
    event = db.session.scalar(select(Event).where(Event.type == "customer.created"))
    assert event.dispatched_at is not None and event.dispatch_rescues == 0


def test_a_failed_dispatch_retried_from_the_jobs_page_runs_again(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a dispatch failed for good, when its subscriber is fixed and the merchant presses
    Retry on the Jobs page, then the event's subscribers run and it is dispatched."""
    path = "tests.jobs_for_tests:refusing_subscriber"
    _subscribe(app, monkeypatch, path)
    store = make_store(platform="demo")
    make_automation(store, TAG_NEW)
    deliver(store, "customer", customer_record(email="cy@example.com"))
    drain(app)
    assert db.session.scalar(select(Run.id)) is not None  # the engine ran before the refusal
    monkeypatch.setattr(registries(app), "subscribers", [])
    failed = db.session.scalar(select(JobRecord.id).where(JobRecord.status == "failed"))
    token = client.get("/").get_data(as_text=True).split('"X-CSRF-Token": "')[1].split('"')[0]
    assert client.post(f"/jobs/{failed}/retry", headers={"X-CSRF-Token": token}).status_code == 200
    drain(app)
    db.session.expire_all()
    records = db.session.scalars(
        select(JobRecord.status).where(JobRecord.job == DISPATCH).order_by(JobRecord.id)
    )
    assert list(records)[-1] == "succeeded"
    assert db.session.scalar(select(Event.dispatched_at)) is not None
