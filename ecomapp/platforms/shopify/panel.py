"""The Shopify page of the panel: initial sync with progress, and customer data exports."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, jsonify, render_template
from sqlalchemy import select

from ecomapp.admin.paging import paginate
from ecomapp.extensions import db
from ecomapp.models import DataExport, JobRecord, Platform
from ecomapp.platforms.registry import get_adapter
from ecomapp.platforms.shopify.bulk import SYNC_JOB

bp = Blueprint("shopify_panel", __name__)


def latest_sync() -> JobRecord | None:
    """Return the current store's most recent sync job record."""
    return db.session.scalar(
        select(JobRecord)
        .where(JobRecord.store_id == g.store.id, JobRecord.job == SYNC_JOB)
        .order_by(JobRecord.id.desc())
        .limit(1)
    )


@bp.get("/shopify/panel")
def home() -> str:
    """Show sync progress and data exports of the current Shopify store."""
    stmt = select(DataExport).where(DataExport.store_id == g.store.id)
    pager = paginate(stmt.order_by(DataExport.id.desc()))
    return render_template(
        "shopify/panel.html",
        sync=latest_sync(),
        exports=pager.items,
        pager=pager,
        is_shopify=g.store.platform == Platform.SHOPIFY.value,
    )


@bp.get("/shopify/panel/sync")
def sync_progress() -> str:
    """Return the sync progress partial (polled while a sync runs)."""
    return render_template("shopify/_sync_progress.html", sync=latest_sync())


@bp.post("/shopify/panel/sync")
def start_sync() -> str:
    """Queue a full sync of the current Shopify store."""
    if g.store.platform != Platform.SHOPIFY.value:
        abort(400, "Only Shopify stores sync from Shopify.")
    current = latest_sync()
    if current is not None and current.status in ("running", "queued", "retrying"):
        return render_template("shopify/_sync_progress.html", sync=current)
    get_adapter(g.store.platform).start_sync(g.store)
    db.session.commit()
    return render_template("shopify/_sync_progress.html", sync=current, queued=True)


@bp.get("/shopify/panel/exports/<int:export_id>.json")
def download_export(export_id: int) -> Response:
    """Download one data export of the current store as JSON."""
    export = db.session.scalar(
        select(DataExport).where(DataExport.id == export_id, DataExport.store_id == g.store.id)
    )
    if export is None:
        abort(404)
    response = jsonify(export.data)
    name = f"customer-{export.customer_platform_id}-export-{export.id}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
