"""CLI: backtest the store's fraud settings over its recent orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import click
from sqlalchemy import and_, exists, select

from ecomapp.extensions import db
from ecomapp.insights.fraud import InvalidFraudSettings, parse_settings
from ecomapp.insights.fraud.backtest import BacktestRow, add_rows, backtest
from ecomapp.insights.fraud.mirror_facts import load_order_facts
from ecomapp.insights.fraud.settings import FraudSettings
from ecomapp.models import Order, RiskVerdict, Store
from ecomapp.models.types import utcnow

BATCH = 500


def known_fraud(
    store_id: int, since: datetime, until: datetime | None = None
) -> tuple[list[int], set[int]]:
    """Return the store's order ids placed since (and until), and those known as fraud:
    cancelled or refunded as fraud, charged back, or confirmed fraud in the review queue."""
    confirmed = and_(
        RiskVerdict.store_id == store_id,
        RiskVerdict.order_id == Order.id,
        RiskVerdict.decision == "fraud",
    )
    stmt = (
        select(Order.id, Order.cancel_reason, Order.fraud_evidence)
        .add_columns(exists().where(confirmed).label("confirmed"))
        .where(Order.store_id == store_id, Order.placed_at >= since)
    )
    if until is not None:
        stmt = stmt.where(Order.placed_at <= until)
    rows = db.session.execute(stmt).all()
    fraud = {r.id for r in rows if r.cancel_reason == "fraud" or r.fraud_evidence or r.confirmed}
    return [r.id for r in rows], fraud


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _line(row: BacktestRow) -> str:
    figures = (
        f"{row.flagged:>8} {row.held:>6} {_percent(row.precision):>9} {_percent(row.recall):>6}"
    )
    return f"{row.setting:<32} {figures}"


def scored_batches(
    store_id: int, ids: list[int], fraud: set[int], settings: FraudSettings
) -> Iterator[tuple[int, int, list[BacktestRow]]]:
    """Yield (orders done, orders scored, rows) for each batch of BATCH orders, in order.

    Each batch's facts are loaded set-based and dropped once scored, so memory stays flat.
    """
    for at in range(0, len(ids), BATCH):
        batch = ids[at : at + BATCH]
        facts = load_order_facts(store_id, batch)
        yield len(batch), len(facts), backtest(facts, fraud, settings)


def run_backtest(store: Store, days: int) -> tuple[int, int, list[BacktestRow]]:
    """Score the store's orders of the last days; return (orders, known fraud, rows)."""
    settings = parse_settings((store.settings or {}).get("fraud"))
    ids, fraud = known_fraud(store.id, utcnow() - timedelta(days=days))
    orders, rows = 0, backtest({}, fraud, settings)
    for _, scored, batch_rows in scored_batches(store.id, ids, fraud, settings):
        orders, rows = orders + scored, add_rows(rows, batch_rows)
    return orders, rows[0].known_fraud, rows


@click.command("fraud-backtest")
@click.argument("store_id", type=int)
@click.option("--days", default=90, show_default=True, help="How many days of orders.")
def fraud_backtest_command(store_id: int, days: int) -> None:
    """Show what each fraud setting would have flagged and held over the last days."""
    store = db.session.get(Store, store_id)
    if store is None:
        raise click.ClickException(f"no store {store_id}")
    try:
        orders, fraud, rows = run_backtest(store, days)
    except InvalidFraudSettings as exc:
        raise click.ClickException(f"fraud settings refused: {exc}") from exc
    click.echo(f"{orders} orders in {days} days, {fraud} known fraud")
    click.echo(f"{'setting':<32} {'flagged':>8} {'held':>6} {'precision':>9} {'recall':>6}")
    for row in rows:
        click.echo(_line(row))
