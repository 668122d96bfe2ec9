"""Flask CLI commands: demo seed and server, ticker, worker helpers, login links."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import func, select
from tqdm import tqdm
from werkzeug.serving import run_simple

from ecomapp.extensions import db
from ecomapp.insights.fraud.commands import fraud_backtest_command


def register(app: Flask) -> None:
    """Attach the CLI commands to the app."""
    for command in (seed_demo_command, demo_command, tick_command, login_link_command):
        app.cli.add_command(command)
    app.cli.add_command(fraud_backtest_command)


@click.command("seed-demo")
@click.option("--customers", default=1000, show_default=True, help="How many customers.")
@click.option("--products", default=60, show_default=True, help="How many products.")
@click.option("--days", default=365, show_default=True, help="Days of order history.")
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same store).")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the history ends (default: today); the same seed and day give the same store.",
)
@click.option("--currency", default="USD", show_default=True, help="Store currency, e.g. THB.")
@click.option("--language", type=click.Choice(["en", "th"]), default="en", show_default=True)
def seed_demo_command(
    customers: int,
    products: int,
    days: int,
    seed: int,
    as_of: datetime | None,
    currency: str,
    language: str,
) -> None:
    """Create (or recreate) the demo store with realistic, deterministic data."""
    from ecomapp.demo.seed import SeedSize, seed_demo

    day = as_of.date() if as_of else None
    size = SeedSize(
        customers=customers,
        products=products,
        days=days,
        seed=seed,
        as_of=day,
        currency=currency.upper(),
        language=language,
    )
    with tqdm(total=customers * 2, unit="customers", desc="seeding") as bar:
        result = seed_demo(size, progress=bar.update)
        bar.n = customers * 2
    parts = ", ".join(f"{v:,} {k}" for k, v in result.counts.items())
    click.echo(f"Demo store {result.store_id}: {parts}")


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--customers", default=1000, show_default=True, help="Size of a new demo store.")
@click.option("--currency", default="USD", show_default=True, help="A new demo store's currency.")
@click.option("--language", type=click.Choice(["en", "th"]), default="en", show_default=True)
def demo_command(host: str, port: int, customers: int, currency: str, language: str) -> None:
    """Migrate, seed the demo store if there is none, and serve it with an in-process worker."""
    from ecomapp.demo.seed import SeedSize, seed_demo
    from ecomapp.jobs.inprocess import start_background
    from ecomapp.models import Store

    upgrade()
    if not db.session.scalar(select(func.count()).select_from(Store)):
        with tqdm(total=customers * 2, unit="customers", desc="seeding demo store") as bar:
            size = SeedSize(customers=customers, currency=currency.upper(), language=language)
            seed_demo(size, progress=bar.update)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    start_background(app)
    click.echo(f"ecomapp demo store: http://{host}:{port}/")
    run_simple(host, port, app, use_reloader=False, threaded=True)


@click.command("tick")
def tick_command() -> None:
    """Run the ticker once: enqueue due work and sweep the inbox."""
    from ecomapp.jobs.ticker import tick

    click.echo(f"enqueued {tick()} due jobs")


@click.command("login-link")
@click.argument("store_id", type=int)
def login_link_command(store_id: int) -> None:
    """Print a 5-minute sign-in link to a store's panel."""
    from ecomapp.admin.auth import login_token
    from ecomapp.models import Store

    store = db.session.get(Store, store_id)
    if store is None:
        raise click.ClickException(f"no store {store_id}")
    click.echo(f"{current_app.config['SETTINGS'].app_url}/login/{login_token(store)}")
