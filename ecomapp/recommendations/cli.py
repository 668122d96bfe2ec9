"""`flask train-recommendations`: train a store's recommendation model now."""

from __future__ import annotations

import click

from ecomapp.extensions import db
from ecomapp.models import Store
from ecomapp.recommendations.training import active_run, start_run, train_run


@click.command("train-recommendations")
@click.argument("store_id", type=int)
def train_command(store_id: int) -> None:
    """Train a store's recommendations from its mirror and store the top-N per product."""
    store = db.session.get(Store, store_id)
    if store is None:
        raise click.ClickException(f"no store {store_id}")
    if active_run(store) is not None:
        raise click.ClickException("a training run is still going: wait for it to finish")
    run = start_run(store, "cli")
    db.session.commit()
    train_run(run.id)
    click.echo(
        f"training run {run.id}: {run.status}, {run.lines:,} order lines,"
        f" {run.products:,} products, {run.pairs:,} recommendations stored"
    )
