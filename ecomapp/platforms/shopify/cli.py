"""Shopify commands: `flask shopify-sync <shop>` (initial sync with a progress bar) and
`flask shopify-drop-api-webhooks` (remove duplicate API-created subscriptions after upgrading)."""

from __future__ import annotations

import click
from sqlalchemy import select
from tqdm import tqdm

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import JobRecord, JobStatus, Platform, Store, utcnow
from ecomapp.platforms.shopify.bulk import SYNC_JOB, sync_store
from ecomapp.platforms.shopify.domains import is_shop_domain
from ecomapp.platforms.shopify.install import find_store


@click.command("shopify-sync")
@click.argument("shop")
def shopify_sync_command(shop: str) -> None:
    """Import a Shopify store's products, customers and orders (Bulk Operations)."""
    if not is_shop_domain(shop):
        raise click.ClickException(f"{shop!r} is not a <name>.myshopify.com domain")
    store = find_store(shop)
    if store is None or not store.is_active:
        raise click.ClickException(f"{shop} has not installed ecomapp")
    record = JobRecord(job=SYNC_JOB, args=[store.id], store_id=store.id)
    db.session.add(record)
    db.session.commit()
    with tqdm(unit="rows", desc=f"syncing {shop}") as bar:

        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.update(done - bar.n)
            record.progress_done, record.progress_total = done, total
            db.session.commit()

        count = sync_store(store, progress)
    record.status, record.finished_at = JobStatus.SUCCEEDED.value, utcnow()
    db.session.commit()
    click.echo(f"{shop}: {count:,} rows imported")


@click.command("shopify-drop-api-webhooks")
def drop_api_webhooks_command() -> None:
    """Queue removal of API-created webhook subscriptions on every installed shop (run once)."""
    stores = db.session.scalars(
        select(Store).where(
            Store.platform == Platform.SHOPIFY.value, Store.uninstalled_at.is_(None)
        )
    ).all()
    for store in stores:
        enqueue_after_commit(DROP_JOB, store.id, store_id=store.id)
    db.session.commit()
    click.echo(f"queued for {len(stores)} shop(s)")


DROP_JOB = "ecomapp.platforms.shopify.jobs:drop_api_subscriptions_job"
