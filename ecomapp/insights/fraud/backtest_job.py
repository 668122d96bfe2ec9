"""Job: the panel's fraud backtest, scored in batches with its progress written every batch."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from ecomapp.extensions import db
from ecomapp.insights.fraud import parse_settings
from ecomapp.insights.fraud.backtest import add_rows, backtest
from ecomapp.insights.fraud.commands import known_fraud, scored_batches
from ecomapp.models import FraudBacktest
from ecomapp.models.types import utcnow

JOB = "ecomapp.insights.fraud.backtest_job:run_fraud_backtest"
ACTIVE = ("queued", "running")
TIMEOUT_SECONDS = 3600  # a year of a 100,000-customer store's orders, on a loaded worker
LOST_AFTER = timedelta(seconds=2 * TIMEOUT_SECONDS)  # still active then: its worker was killed


def run_fraud_backtest(backtest_id: int) -> None:
    """Score the backtest's window with its settings; keep the rows and the progress.

    The window ends when the merchant asked (`created_at`), so a retry scores the same orders.
    A failure is recorded by the job runner (`job_records`), where the panel reads it.
    """
    bt = db.session.get(FraudBacktest, backtest_id)
    if bt is None or bt.status not in ACTIVE:
        return
    settings = parse_settings(bt.settings)
    since = bt.created_at - timedelta(days=bt.days)
    ids, fraud = known_fraud(bt.store_id, since, bt.created_at)
    bt.status, bt.progress_done, bt.progress_total = "running", 0, len(ids)
    db.session.commit()
    orders, rows = 0, backtest({}, fraud, settings)
    for done, scored, batch_rows in scored_batches(bt.store_id, ids, fraud, settings):
        orders, rows = orders + scored, add_rows(rows, batch_rows)
        bt.progress_done += done
        db.session.commit()
    bt.orders, bt.known_fraud = orders, rows[0].known_fraud
    bt.rows = [asdict(row) for row in rows]
    bt.status, bt.finished_at = "done", utcnow()
    db.session.commit()
