"""CLI: backtest the store's fraud settings over its recent orders."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from sqlalchemy import and_, exists, select

from ecomapp.extensions import db
from ecomapp.insights.fraud import InvalidFraudSettings, parse_settings
from ecomapp.insights.fraud.backtest import BacktestRow, backtest
from ecomapp.insights.fraud.facts import OrderFacts
from ecomapp.insights.fraud.mirror_facts import load_order_facts
from ecomapp.models import Order, RiskVerdict, Store
from ecomapp.models.types import utcnow

BATCH = 500


def known_fraud(store_id: int, since: datetime) -> tuple[list[int], set[int]]:
    """Return the store's order ids placed since, and those known as fraud: cancelled or
    refunded as fraud, charged back, or confirmed fraud in the review queue."""
    confirmed = and_(
        RiskVerdict.store_id == store_id,
        RiskVerdict.order_id == Order.id,
        RiskVerdict.decision == "fraud",
    )
    rows = db.session.execute(
        select(Order.id, Order.cancel_reason, Order.fraud_evidence)
        .add_columns(exists().where(confirmed).label("confirmed"))
        .where(Order.store_id == store_id, Order.placed_at >= since)
    ).all()
    fraud = {r.id for r in rows if r.cancel_reason == "fraud" or r.fraud_evidence or r.confirmed}
    return [r.id for r in rows], fraud


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _line(row: BacktestRow) -> str:
    figures = (
        f"{row.flagged:>8} {row.held:>6} {_percent(row.precision):>9} {_percent(row.recall):>6}"
    )
    return f"{row.setting:<32} {figures}"


def run_backtest(store: Store, days: int) -> tuple[int, int, list[BacktestRow]]:
    """Score the store's orders of the last days; return (orders, known fraud, rows)."""
    settings = parse_settings((store.settings or {}).get("fraud"))
    ids, fraud = known_fraud(store.id, utcnow() - timedelta(days=days))
    facts: dict[int, OrderFacts] = {}
    for at in range(0, len(ids), BATCH):
        facts.update(load_order_facts(store.id, ids[at : at + BATCH]))
    return len(facts), len(fraud & set(facts)), backtest(facts, fraud, settings)


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
