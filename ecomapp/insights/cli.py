"""`flask regroup`: apply spend ranges to every customer of a store, with progress bars."""

from __future__ import annotations

import click
from tqdm import tqdm

from ecomapp.automation.recipes import parse_ranges
from ecomapp.automation.schema import InvalidAutomation
from ecomapp.extensions import db
from ecomapp.insights.groups import check_ranges, run_groups, start_run
from ecomapp.models import GroupRun, Store


@click.command("regroup")
@click.argument("store_id", type=int)
@click.option(
    "--ranges",
    required=True,
    help="Spend ranges 'min-max = group', separated by ';' or new lines (max may be empty).",
)
def regroup_command(store_id: int, ranges: str) -> None:
    """Put every customer of a store in the group of their lifetime spend range."""
    store = db.session.get(Store, store_id)
    if store is None:
        raise click.ClickException(f"no store {store_id}")
    try:
        parsed = check_ranges(parse_ranges(ranges))
    except (InvalidAutomation, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--ranges") from None
    run = start_run(store, parsed, label="Spend ranges (CLI)")
    looked = tqdm(total=run.total, unit="customers", desc="computing")
    sent = tqdm(total=0, unit="changes", desc="pushing")

    def progress(current: GroupRun) -> None:
        looked.update(current.computed - looked.n)
        sent.total = current.changed
        sent.update(current.pushed - sent.n)

    try:
        run_groups(run.id, progress)
    finally:
        looked.close()
        sent.close()
    click.echo(f"group run {run.id}: {run.status}, {run.changed:,} customers changed group")
