"""Initial import and reconciliation: page through wc/v3 and apply every resource."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ecomapp.events.bus import QUIET_KEY
from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import JobRecord, JobStatus, Store, WooSite
from ecomapp.models.types import utcnow
from ecomapp.platforms.woocommerce.apply import apply_product_payload, apply_resource
from ecomapp.platforms.woocommerce.client import WooClient
from ecomapp.platforms.woocommerce.normalize import gmt
from ecomapp.platforms.woocommerce.sites import active_woo_stores, client_for, site_for

log = logging.getLogger(__name__)

# Products before customers before orders, so that orders find what they refer to.
RESOURCES = (("product", "products"), ("customer", "customers"), ("order", "orders"))
LISTING_PARAMS: dict[str, dict[str, str]] = {
    "products": {"status": "any"},
    "customers": {"role": "all"},
    "orders": {"status": "any"},
}
OVERLAP = timedelta(minutes=10)


@contextmanager
def _events_unless(history: bool) -> Iterator[None]:
    """Apply history to the mirror without events (as Shopify's import), a later change with."""
    before = db.session.info.get(QUIET_KEY)
    db.session.info[QUIET_KEY] = history
    try:
        yield
    finally:
        if before is None:
            db.session.info.pop(QUIET_KEY, None)
        else:
            db.session.info[QUIET_KEY] = before


def _is_history(payload: dict[str, Any], cutoff: datetime | None) -> bool:
    """Return True for a record last modified at or before the import's cut-off."""
    if cutoff is None:
        return False
    modified = gmt(payload.get("date_modified_gmt")) or gmt(payload.get("date_created_gmt"))
    return modified is None or modified <= cutoff


def _import(store: Store, site: WooSite, client: WooClient, cutoff: datetime) -> int:
    applied = 0
    for resource, endpoint in RESOURCES:
        done = 0
        for items, total in client.pages(endpoint, **LISTING_PARAMS[endpoint]):
            for payload in items:
                applied += _apply(store, client, resource, payload, cutoff)
            done += len(items)
            site.sync_state = {**site.sync_state, resource: {"done": done, "total": total}}
            _report_progress(store.id, site.sync_state)
            db.session.commit()
    return applied


def _report_progress(store_id: int, state: dict[str, Any]) -> None:
    """Mirror the import's progress on its job record, which the panel's Jobs page shows."""
    record = db.session.scalar(
        select(JobRecord)
        .where(
            JobRecord.store_id == store_id,
            JobRecord.job == f"{__name__}:initial_sync",
            JobRecord.status == JobStatus.RUNNING.value,
        )
        .order_by(JobRecord.id.desc())
    )
    if record is None:
        return
    counts = [v for v in state.values() if isinstance(v, dict)]
    record.progress_done = sum(int(v["done"]) for v in counts)
    record.progress_total = sum(int(v["total"]) for v in counts)


def _apply(
    store: Store,
    client: WooClient,
    resource: str,
    payload: dict[str, Any],
    cutoff: datetime | None = None,
) -> int:
    """Apply one listed resource; quietly when it is history older than the cut-off."""
    with _events_unless(_is_history(payload, cutoff)):
        count = int(apply_resource(store, resource, payload))
    if resource == "product" and payload.get("type") == "variable":
        for variation in client.all(f"products/{payload['id']}/variations"):
            variation.setdefault("parent_id", payload["id"])
            variation.setdefault("type", "variation")
            with _events_unless(_is_history(variation, cutoff)):
                count += int(apply_product_payload(store, variation))
    return count


def initial_sync(store_id: int) -> None:
    """Import a connected store's history silently; what changed after the start emits."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    site, client = site_for(store), client_for(store)
    started = utcnow()
    site.sync_state = {"status": "running", "started_at": started.isoformat()}
    db.session.commit()
    applied = _import(store, site, client, cutoff=started)
    site.sync_state = {**site.sync_state, "status": "done", "finished_at": utcnow().isoformat()}
    site.reconciled_at = started
    db.session.commit()
    log.info("store %s: initial import applied %s resources", store_id, applied)


def reconcile_store(store_id: int) -> None:
    """Apply everything modified since the last pass: WooCommerce never retries a webhook."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    site, client = site_for(store), client_for(store)
    if site.reconciled_at is None:
        return  # the initial import has not finished; it sets the starting point
    started = utcnow()
    since: datetime = site.reconciled_at - OVERLAP
    changed = {"modified_after": since.strftime("%Y-%m-%dT%H:%M:%S"), "dates_are_gmt": "true"}
    for resource, endpoint in (("product", "products"), ("order", "orders")):
        for payload in client.all(endpoint, **LISTING_PARAMS[endpoint], **changed):
            _apply(store, client, resource, payload)
        db.session.commit()
    _reconcile_new_customers(store, client, since)
    site.reconciled_at = started
    db.session.commit()


def _reconcile_new_customers(store: Store, client: WooClient, since: datetime) -> None:
    """Apply customers registered since `since` (wc/v3 customers have no modified_after)."""
    newest_first = {**LISTING_PARAMS["customers"], "orderby": "registered_date", "order": "desc"}
    for items, _ in client.pages("customers", **newest_first):
        fresh = [c for c in items if (gmt(c.get("date_created_gmt")) or since) > since]
        for payload in fresh:
            apply_resource(store, "customer", payload)
        db.session.commit()
        if len(fresh) < len(items):
            return


def reconcile_all() -> int:
    """Enqueue reconciliation for every connected store (periodic); return how many."""
    stores = active_woo_stores()
    for store in stores:
        enqueue_after_commit(reconcile_store, store.id, store_id=store.id)
    db.session.commit()
    return len(stores)
