"""The panel's fraud backtest: ask for one (a job), follow its progress, read the last ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select
from werkzeug.wrappers import Response

from ecomapp.automation.fraud_screening import SETTINGS_KEY
from ecomapp.extensions import db
from ecomapp.fraud_review.labels import field_label, refusal_text
from ecomapp.fraud_review.panel import bp
from ecomapp.insights.fraud import InvalidFraudSettings, parse_settings
from ecomapp.insights.fraud.backtest import BacktestRow
from ecomapp.insights.fraud.backtest_job import ACTIVE, JOB, LOST_AFTER, run_fraud_backtest
from ecomapp.jobs import enqueue_after_commit
from ecomapp.models import FraudBacktest, JobRecord, JobStatus, Store
from ecomapp.models.types import utcnow

MAX_DAYS = 365
KEEP = 5  # results listed (and kept) per store; older ones are deleted once finished


def _recent() -> list[FraudBacktest]:
    stmt = select(FraudBacktest).where(FraudBacktest.store_id == g.store.id)
    return list(db.session.scalars(stmt.order_by(FraudBacktest.id.desc()).limit(KEEP)))


def _form_page(days: str, error: str | None = None, status: int = 200) -> Response:
    recent = [(bt, "failed" if _failed(bt) else bt.status) for bt in _recent()]
    html = render_template(
        "fraud_review/backtest.html", days=days, error=error, recent=recent, keep=KEEP
    )
    return Response(html, status, mimetype="text/html")


@bp.get("/backtest")
def backtest() -> Response:
    """Show the backtest form and the store's last results; scoring runs only when asked."""
    return _form_page(request.args.get("days", "30"))


def job_record(bt: FraudBacktest) -> JobRecord | None:
    """Return the job runner's latest record of the backtest's job (its error when it failed)."""
    stmt = select(JobRecord).where(
        JobRecord.store_id == bt.store_id,
        JobRecord.job == JOB,
        JobRecord.started_at >= bt.created_at,
    )
    records = db.session.scalars(stmt.order_by(JobRecord.id.desc()))
    return next((r for r in records if r.args == [bt.id]), None)


def _lost(bt: FraudBacktest) -> bool:
    """Return True when a still active backtest's worker was killed (older than any run)."""
    return bt.status in ACTIVE and bt.created_at < utcnow() - LOST_AFTER


def _failed(bt: FraudBacktest) -> bool:
    if bt.status not in ACTIVE:
        return False
    record = job_record(bt)
    return _lost(bt) or (record is not None and record.status == JobStatus.FAILED.value)


def _same_settings(raw: dict[str, Any], other: dict[str, Any]) -> bool:
    try:
        return parse_settings(raw) == parse_settings(other)
    except InvalidFraudSettings:
        return False


def _running_twin(days: int, raw: dict[str, Any]) -> FraudBacktest | None:
    """Return the store's queued or running backtest of the same window and settings."""
    stmt = select(FraudBacktest).where(
        FraudBacktest.store_id == g.store.id,
        FraudBacktest.days == days,
        FraudBacktest.status.in_(ACTIVE),
    )
    for bt in db.session.scalars(stmt.order_by(FraudBacktest.id.desc())):
        if _same_settings(bt.settings, raw) and not _failed(bt):
            return bt
    return None


def _prune() -> None:
    """Delete the store's finished (or day-old) backtests beyond the newest KEEP."""
    newest = select(FraudBacktest.id).where(FraudBacktest.store_id == g.store.id)
    newest = newest.order_by(FraudBacktest.id.desc()).limit(KEEP)
    kept = list(db.session.scalars(newest))
    old = or_(FraudBacktest.status == "done", FraudBacktest.created_at < utcnow() - timedelta(1))
    db.session.execute(
        delete(FraudBacktest)
        .where(FraudBacktest.store_id == g.store.id, FraudBacktest.id.not_in(kept))
        .where(old)
    )


def _queue(days: int, raw: dict[str, Any]) -> FraudBacktest:
    """Record a queued backtest and enqueue its job (pushed once the transaction commits)."""
    bt = FraudBacktest(store_id=g.store.id, days=days, settings=raw, status="queued")
    db.session.add(bt)
    db.session.flush()
    enqueue_after_commit(run_fraud_backtest, bt.id, store_id=g.store.id)
    _prune()
    return bt


@bp.post("/backtest")
def start_backtest() -> Response:
    """Queue a backtest of the last N days with the current settings; open its progress page.

    The same window and settings asked for again while one runs open that one instead.
    """
    text = request.form.get("days", "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        return _form_page(
            text, _("days: must be a whole number from 1 to %(high)s", high=MAX_DAYS), 400
        )
    raw = dict((g.store.settings or {}).get(SETTINGS_KEY) or {})
    try:
        parse_settings(raw)
    except InvalidFraudSettings as exc:
        return _form_page(text, f"{field_label(exc.field)}: {refusal_text(exc.message)}", 409)
    db.session.scalar(select(Store.id).where(Store.id == g.store.id).with_for_update())
    bt = _running_twin(int(text), raw) or _queue(int(text), raw)
    db.session.commit()
    return redirect(url_for("fraud_review.backtest_result", backtest_id=bt.id), 303)


def _owned(backtest_id: int) -> FraudBacktest:
    bt = db.session.scalar(
        select(FraudBacktest).where(
            FraudBacktest.id == backtest_id, FraudBacktest.store_id == g.store.id
        )
    )
    if bt is None:
        abort(404)
    return bt


def _result_context(bt: FraudBacktest) -> dict[str, Any]:
    rows = [BacktestRow(**row) for row in bt.rows] if bt.status == "done" else []
    record = None if bt.status == "done" else job_record(bt)
    failed = record is not None and record.status == JobStatus.FAILED.value
    return {"bt": bt, "rows": rows, "record": record, "failed": failed, "lost": _lost(bt)}


@bp.get("/backtest/<int:backtest_id>")
def backtest_result(backtest_id: int) -> str:
    """Show one backtest: its progress while it runs, then its table, or its error."""
    return render_template(
        "fraud_review/backtest_result.html", **_result_context(_owned(backtest_id))
    )


@bp.get("/backtest/<int:backtest_id>/progress")
def backtest_progress(backtest_id: int) -> str:
    """Return the backtest's progress fragment (polled while it runs)."""
    return render_template(
        "fraud_review/_backtest_result.html", **_result_context(_owned(backtest_id))
    )
