"""If/else steps and nested condition groups: live engine, backtest and traces agree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.backtest import simulate
from ecomapp.automation.compiled import compile_group
from ecomapp.automation.conditions import evaluate
from ecomapp.extensions import db
from ecomapp.models import EffectLedger, Event, Run, RunStep
from tests.automation_support import deliver, login, make_automation, run_at
from tests.factories import customer_record, make_store, order_record

BIG = {"field": "order.total_price", "op": ">", "value": 150}
NESTED = {
    "all": [
        {"field": "order.financial_status", "op": "=", "value": "paid"},
        {
            "any": [
                {"field": "order.total_price", "op": ">=", "value": 100},
                {
                    "all": [
                        {"field": "order.gateway", "op": "=", "value": "manual"},
                        {"field": "order.total_price", "op": "<", "value": 30},
                    ]
                },
            ]
        },
    ]
}
BRANCHED = {
    "trigger": {"event": "order.created"},
    "conditions": NESTED,
    "steps": [
        {
            "type": "branch",
            "if": {"any": [BIG, {"all": [{"field": "order.gateway", "op": "=", "value": "gift"}]}]},
            "then": [{"type": "action", "action": "tag_order", "params": {"tags": ["big"]}}],
            "else": [{"type": "action", "action": "order_note", "params": {"note": "small"}}],
        },
        {"type": "action", "action": "tag_customer", "params": {"tags": ["seen"]}},
    ],
}


def _history(days_ago: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_ago)


def _deliver_orders(store: Any, run_jobs: Callable[[], None]) -> None:
    """Deliver orders that take each path: big, small-but-matching, small manual, unmatched."""
    totals = [("300.00", "paid"), ("120.00", "paid"), ("20.00", "paid"), ("60.00", "paid")]
    totals += [("500.00", "pending")]
    for days, (total, status) in enumerate(totals, start=3):
        placed = _history(days)
        record = order_record(
            customer=customer_record(),
            total_price=total,
            financial_status=status,
            placed_at=placed,
        )
        deliver(store, "order", record)
        run_jobs()


def _live_actions(automation_id: int) -> Counter[str]:
    steps = select(RunStep.kind).join(Run, Run.id == RunStep.run_id)
    kinds = db.session.scalars(steps.where(Run.automation_id == automation_id)).all()
    return Counter(k for k in kinds if k not in ("branch", "wait", "exit"))


def test_branch_takes_the_path_its_condition_chooses_and_backtest_agrees(
    run_jobs: Callable[[], None],
) -> None:
    """Given an automation with nested condition groups and an if/else step, when orders of
    every kind arrive live and the same automation is backtested, then each matched order took
    one path, effects are keyed per path, and the backtest counts the same actions."""
    store = make_store()
    automation = make_automation(store, BRANCHED)
    _deliver_orders(store, run_jobs)
    live = _live_actions(automation.id)
    assert live == Counter({"tag_order": 1, "order_note": 2, "tag_customer": 3})
    branch_steps = db.session.scalars(select(RunStep).where(RunStep.kind == "branch")).all()
    assert sorted(s.detail["branch"] for s in branch_steps) == ["else", "else", "then"]
    assert all(s.detail["trace"][0]["path"].startswith("conditions.any") for s in branch_steps)
    keys = db.session.scalars(select(EffectLedger.key)).all()
    assert len(keys) == len(set(keys)) == 6
    summary = simulate(store, BRANCHED, 30, datetime.now(UTC))
    assert summary["matched"] == 3 and Counter(summary["actions"]) == live


def test_interpreter_and_compiled_predicate_agree_on_nested_groups() -> None:
    """Given nested all/any groups, when evaluated with a trace and compiled, then both give
    the same answer for every snapshot, and the trace names each nested path."""
    snaps = [
        {"order.financial_status": s, "order.total_price": t, "order.gateway": g}
        for s in ("paid", "pending")
        for t in (10, 50, 150)
        for g in ("manual", "gift")
    ]
    predicate = compile_group(NESTED)
    for snap in snaps:
        held, trace = evaluate(NESTED, snap)
        assert predicate(snap) is held, snap
        assert [t["path"] for t in trace] == [
            "conditions.all[0]",
            "conditions.all[1].any[0]",
            "conditions.all[1].any[1].all[0]",
            "conditions.all[1].any[1].all[1]",
        ]


def test_a_wait_inside_a_branch_resumes_on_the_path_taken(
    app: Flask, run_jobs: Callable[[], None]
) -> None:
    """Given an else path that waits a day before its note, when a small order arrives and the
    clock passes the day, then the note is written once and the then path never runs."""
    definition = {
        "trigger": {"event": "order.created"},
        "steps": [
            {
                "type": "branch",
                "if": {"all": [BIG]},
                "then": [{"type": "action", "action": "tag_order", "params": {"tags": ["big"]}}],
                "else": [
                    {"type": "wait", "days": 1},
                    {"type": "action", "action": "order_note", "params": {"note": "later"}},
                ],
            }
        ],
    }
    store = make_store()
    automation = make_automation(store, definition)
    deliver(store, "order", order_record(total_price="40.00"))
    run_jobs()
    run = db.session.scalar(select(Run).where(Run.automation_id == automation.id))
    assert run is not None and run.status == "waiting"
    run_at(app, datetime.now(UTC) + timedelta(days=2))
    run_at(app, datetime.now(UTC) + timedelta(days=3))
    db.session.refresh(run)
    assert run.status == "done"
    assert _live_actions(automation.id) == Counter({"order_note": 1})


def test_why_and_run_pages_show_nested_groups_and_the_branch_taken(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given the branching automation, when an order misses it and another matches, then the
    event's "why" page shows each nested group with its result, and the run page the path."""
    store = make_store()
    automation = make_automation(store, BRANCHED)
    deliver(store, "order", order_record(total_price="60.00", gateway="card"))
    deliver(store, "order", order_record(total_price="300.00"))
    run_jobs()
    login(client, store)
    stmt = select(Event.id).where(Event.type == "order.created").order_by(Event.id)
    missed = db.session.scalar(stmt)
    why = client.get(f"/automations/events/{missed}").get_data(as_text=True)
    assert why.count('data-testid="trace-group"') == 3 and "any of:" in why
    run = db.session.scalar(select(Run.id).where(Run.automation_id == automation.id))
    page = client.get(f"/automations/runs/{run}").get_data(as_text=True)
    assert 'data-testid="step-0-branch"' in page and "took the “then” path" in page
