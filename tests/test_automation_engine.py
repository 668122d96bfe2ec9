"""An event in, the right effects out, exactly once: duplicates, retries, waits, exits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.batch import process_store_events
from ecomapp.extensions import db
from ecomapp.models import Customer, Event, Order, Run, RunStep
from tests.automation_support import (
    count,
    deliver,
    effects,
    login,
    make_automation,
    messages,
    run_at,
)
from tests.factories import customer_record, make_store, order_record

VIP = {
    "trigger": {"event": "order.paid"},
    "conditions": {"all": [{"field": "order.total_price", "op": ">", "value": 100}]},
    "steps": [
        {"type": "action", "action": "tag_customer", "params": {"tags": ["vip"]}},
        {
            "type": "action",
            "action": "order_note",
            "params": {"note": "VIP order {{ order.name }}"},
        },
    ],
}
REVIEW = {
    "trigger": {"event": "order.paid"},
    "exit_conditions": {
        "any": [{"field": "order.financial_status", "op": "=", "value": "refunded"}]
    },
    "steps": [
        {"type": "wait", "days": 30},
        {"type": "action", "action": "send_email", "params": {"template": "review_request"}},
    ],
}


def _order(store_pid: str, **fields: object) -> object:
    return order_record(platform_id=store_pid, **fields)


def test_order_event_applies_effects_once_despite_duplicates(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a VIP automation, when an order arrives twice, its event is offered to the engine
    again and the store's batch job reruns, then the customer is tagged and the order noted
    exactly once."""
    from ecomapp.models import PendingEvent

    store = make_store()
    make_automation(store, VIP)
    rec = _order("o-1", total_price="150.00")
    assert deliver(store, "order", rec, "same-delivery")
    assert not deliver(store, "order", rec, "same-delivery")
    deliver(store, "order", rec, "redelivered-with-new-id")
    run_jobs()
    event_id = db.session.scalar(select(Event.id).where(Event.type == "order.paid"))
    db.session.add(PendingEvent(event_id=event_id, store_id=store.id))  # dispatched twice
    db.session.commit()
    assert process_store_events(store.id) == 1  # a retried batch job
    db.session.commit()
    order = db.session.scalar(select(Order).where(Order.platform_id == "o-1"))
    assert order.note == f"VIP order {order.name}"
    assert db.session.get(Customer, order.customer_id).tags == ["vip"]
    assert count(Run) == 1 and effects(store) == 2


def test_unmatched_conditions_keep_no_run_but_count_a_skip_and_explain_it(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a total > 100 condition, when a 40.00 order is paid, then no run row is written,
    the day's tally counts one evaluation and one skip, and the event's "why" page shows the
    actual total it saw."""
    from ecomapp.models import AutomationTally

    store = make_store()
    automation = make_automation(store, VIP)
    deliver(store, "order", _order("o-2", total_price="40.00"))
    run_jobs()
    assert count(Run) == 0 and effects(store) == 0
    tally = db.session.scalar(select(AutomationTally))
    assert (tally.automation_id, tally.evaluated, tally.matched, tally.skipped) == (
        automation.id,
        1,
        0,
        1,
    )
    event_id = db.session.scalar(select(Event.id).where(Event.type == "order.paid"))
    login(client, store)
    page = client.get(f"/automations/events/{event_id}").get_data(as_text=True)
    reason = f'data-testid="reason-{automation.id}">Did not fire: its conditions did not hold'
    assert reason in page
    assert "<code>order.total_price &gt;</code>" in page and '<code>"40.00"</code>' in page
    assert "1 skipped" in client.get("/automations/").get_data(as_text=True)


def test_wait_sends_review_request_once_when_the_clock_reaches_it(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a 30-day review request, when the clock moves past 30 days (twice),
    then one e-mail goes out, and none before."""
    store = make_store()
    make_automation(store, REVIEW)
    deliver(store, "order", _order("o-3"))
    run_jobs()
    now = datetime.now(UTC)
    run_at(app, now + timedelta(days=29))
    assert messages(store) == [] and db.session.scalar(select(Run.status)) == "waiting"
    run_at(app, now + timedelta(days=31))
    run_at(app, now + timedelta(days=32))
    sent = messages(store, "review_request")
    assert len(sent) == 1 and sent[0].to_email.startswith("c")
    assert db.session.scalar(select(Run.status)) == "done"


def test_exit_condition_stops_the_sequence_before_the_next_step(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a waiting review request, when the order is refunded, then the run exits
    at its next step and no e-mail is sent."""
    store = make_store()
    make_automation(store, REVIEW)
    rec = _order("o-4")
    deliver(store, "order", rec)
    run_jobs()
    rec.financial_status, rec.total_refunded = "refunded", rec.total_price
    rec.updated_at = rec.updated_at + timedelta(days=2)
    deliver(store, "order", rec)
    run_jobs()
    run_at(app, datetime.now(UTC) + timedelta(days=31))
    run = db.session.scalar(select(Run))
    assert run.status == "exited" and messages(store) == []
    step = db.session.scalar(select(RunStep).where(RunStep.kind == "exit"))
    assert step.detail["trace"][0]["actual"] == "refunded"


def test_lost_wake_up_is_recovered_by_the_sweeper_and_still_sends_once(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a waiting run whose wake-up job was lost with the worker's queue, when the
    run sweeper passes, then the e-mail is sent once, even if the job is then repeated."""
    from ecomapp.automation.runs import resume_run, sweep_runs
    from ecomapp.jobs.queue import get_queue
    from ecomapp.jobs.ticker import enqueue_due

    store = make_store()
    make_automation(store, REVIEW)
    deliver(store, "order", _order("o-5"))
    run_jobs()
    later = datetime.now(UTC) + timedelta(days=31)
    enqueue_due(later)  # the ticker hands the wake-up to Redis …
    get_queue().empty()  # … and the worker dies with it
    assert messages(store) == []
    sweep_runs(later + timedelta(minutes=20))
    run_at(app, later)
    run_id = db.session.scalar(select(Run.id))
    resume_run(run_id, later.isoformat())  # a duplicate of the same job
    db.session.commit()
    assert len(messages(store, "review_request")) == 1 and effects(store) == 1


def test_events_of_one_store_never_run_another_stores_automations(
    run_jobs: Callable[[], None],
) -> None:
    """Given an automation in store A, when store B gets a matching order, then no run exists."""
    store_a, store_b = make_store(), make_store()
    make_automation(store_a, VIP)
    deliver(store_b, "order", _order("o-6", total_price="500.00"))
    run_jobs()
    assert count(Run) == 0 and effects(store_b) == 0


def test_switched_off_automation_does_nothing(run_jobs: Callable[[], None]) -> None:
    """Given a disabled automation, when a matching order arrives, then no run is created."""
    store = make_store()
    make_automation(store, VIP, enabled=False)
    deliver(store, "order", _order("o-7", total_price="500.00", customer=customer_record()))
    run_jobs()
    assert count(Run) == 0


def test_run_held_by_a_dead_worker_is_taken_over_after_the_lease(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a run claimed by a worker that died, when its wake-up repeats at once, then it
    is left alone; when the sweeper passes after the lease, then it completes exactly once."""
    from ecomapp.automation.runs import resume_run, sweep_runs
    from ecomapp.jobs.inprocess import drain

    store = make_store()
    make_automation(store, REVIEW)
    deliver(store, "order", _order("o-8"))
    run_jobs()
    later = datetime.now(UTC) + timedelta(days=31)
    run = db.session.scalar(select(Run))
    run.status, run.claimed_at = "running", later  # a worker took it, then died
    db.session.commit()
    resume_run(run.id, later.isoformat())
    assert messages(store) == []
    assert sweep_runs(later + timedelta(minutes=5)) == 0
    assert sweep_runs(later + timedelta(minutes=16)) == 1
    drain(app)
    db.session.expire_all()
    assert len(messages(store, "review_request")) == 1 and effects(store) == 1
    assert db.session.scalar(select(Run.status)) == "done"


def test_waiting_runs_keep_the_version_they_started_with(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given a run waiting on version 1, when the merchant edits the e-mail step, then the
    waiting run still sends version 1's e-mail and the version number moved to 2."""
    from ecomapp.automation.library import save_automation

    store = make_store()
    automation = make_automation(store, REVIEW)
    deliver(store, "order", _order("o-9"))
    run_jobs()
    edited = REVIEW | {
        "steps": [
            REVIEW["steps"][0],
            {"type": "action", "action": "send_email", "params": {"template": "welcome"}},
        ]
    }
    save_automation(store, automation.name, edited, automation)
    db.session.commit()
    run_at(app, datetime.now(UTC) + timedelta(days=31))
    assert automation.version == 2
    assert [m.template_key for m in messages(store)] == ["review_request"]


def test_wait_until_a_time_of_day_is_in_the_store_time_zone() -> None:
    """Given 'until 09:00' in New York at 10:00 local, then the wait ends 09:00 next day."""
    from ecomapp.automation.engine import wake_time

    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 EST
    assert wake_time({"until": "09:00"}, now, "America/New_York") == datetime(
        2026, 3, 3, 14, 0, tzinfo=UTC
    )
    assert wake_time({"until": "11:30"}, now, "America/New_York") == datetime(
        2026, 3, 2, 16, 30, tzinfo=UTC
    )


def test_old_skipped_runs_are_pruned_and_other_runs_kept(run_jobs: Callable[[], None]) -> None:
    """Given a skipped run left from before tallies and a done run, both 40 days old, when
    pruning runs, then only the skip goes."""
    from ecomapp.automation.retention import prune_skipped_runs

    store = make_store()
    make_automation(store, VIP)
    deliver(store, "order", _order("o-big", total_price="400.00"))
    run_jobs()
    done = db.session.scalar(select(Run))
    old = {c: getattr(done, c) for c in ("store_id", "automation_id", "event_type", "started_at")}
    other = db.session.scalar(select(Event.id).where(Event.type == "order.created"))
    db.session.add(Run(**old, version=2, event_id=other, status="skipped"))
    db.session.commit()
    later = datetime.now(UTC) + timedelta(days=40)
    assert prune_skipped_runs(later) == 1
    assert list(db.session.scalars(select(Run.status))) == ["done"]
    assert prune_skipped_runs(datetime.now(UTC)) == 0


def test_lost_engine_wake_up_is_recovered_by_the_pending_sweeper(app: Flask) -> None:
    """Given an order whose events were recorded but whose engine job was lost with the queue,
    when the pending-events sweeper passes a minute later, then the automation runs once."""
    from ecomapp.automation.batch import sweep_pending
    from ecomapp.jobs.inprocess import drain
    from ecomapp.jobs.queue import get_queue
    from ecomapp.mirror.orders import apply_order

    store = make_store()
    make_automation(store, VIP)
    apply_order(store, _order("o-lost", total_price="150.00"))
    db.session.commit()
    get_queue().empty()  # the worker died with the store's job
    assert sweep_pending(datetime.now(UTC)) == 0  # not late yet
    assert sweep_pending(datetime.now(UTC) + timedelta(minutes=2)) == 1
    drain(app)
    db.session.expire_all()
    assert count(Run) == 1 and effects(store) == 2


GUEST_STEPS = [
    {"type": "action", "action": "tag_customer", "params": {"tags": ["vip"]}},
    {"type": "action", "action": "tag_order", "params": {"tags": ["big"]}},
]


def test_customer_steps_on_a_guest_order_are_skipped_with_the_reason(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given two automations with a customer step (one batched first, one after an order
    note), when a guest's order is paid, then both runs are done: the customer steps are
    skipped and say why, the order steps are applied, and the run page shows the reason."""
    store = make_store()
    trigger = {"trigger": {"event": "order.paid"}}
    make_automation(store, trigger | {"steps": GUEST_STEPS})
    note = {"type": "action", "action": "order_note", "params": {"note": "guest"}}
    make_automation(store, trigger | {"steps": [note, *GUEST_STEPS]})
    rec = _order("o-guest", total_price="150.00")
    rec.customer = None  # a guest checkout
    deliver(store, "order", rec)
    run_jobs()
    runs = list(db.session.scalars(select(Run).order_by(Run.automation_id)))
    assert [(r.status, r.error) for r in runs] == [("done", None), ("done", None)]
    order = db.session.scalar(select(Order).where(Order.platform_id == "o-guest"))
    assert order.customer_id is None and order.note == "guest" and "big" in order.tags
    skipped = db.session.scalars(select(RunStep).where(RunStep.status == "skipped")).all()
    assert sorted((s.run_id, s.kind) for s in skipped) == [
        (runs[0].id, "tag_customer"),
        (runs[1].id, "tag_customer"),
    ]
    reason = "a guest order: no customer account to act on"
    assert all(s.detail == {"skipped": reason} for s in skipped)
    login(client, store)
    page = client.get(f"/automations/runs/{runs[1].id}").get_data(as_text=True)
    assert reason in page
