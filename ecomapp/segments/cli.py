"""`flask segments-refresh`: score RFM groups and recompute a store's segments now."""

from __future__ import annotations

import click
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Segment, Store
from ecomapp.segments.jobs import refresh_store


@click.command("segments-refresh")
@click.argument("store_id", type=int)
def refresh_command(store_id: int) -> None:
    """Do the nightly refresh of one store now and print each segment's size."""
    if db.session.get(Store, store_id) is None:
        raise click.ClickException(f"no store {store_id}")
    refresh_store(store_id)
    stmt = select(Segment).where(Segment.store_id == store_id).order_by(Segment.name)
    for segment in db.session.scalars(stmt):
        click.echo(f"{segment.name}: {segment.members:,} customers")
