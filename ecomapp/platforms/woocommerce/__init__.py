"""WooCommerce: /wc-auth connect, wc/v3 REST, webhooks, sync and the companion plugin."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g
from werkzeug.wrappers import Response

from ecomapp.registries import registries

# WooCommerce never retries a delivery and disables a webhook after repeated failures, so a
# missed order is caught within minutes: a one-request webhook check every 3 minutes (which
# also reconciles right after recreating a webhook) and a reconciliation every 5 minutes.
PERIODIC_JOBS = {
    f"{__name__}.webhooks:check_webhook_health": 180,
    f"{__name__}.sync:reconcile_all": 300,
    f"{__name__}.connect:purge_pending_connections": 86400,
    f"{__name__}.facts:refresh_all_store_facts": 6 * 3600,
}


SYNC_TIMEOUT_SECONDS = 3600  # an initial import pages through the whole store in one job


def init_app(app: Flask) -> None:
    """Register the doors, the panel page, the periodic jobs and the frame policy."""
    from ecomapp.admin.nav import NavItem

    reg = registries(app)
    reg.periodic.update(PERIODIC_JOBS)
    reg.job_timeouts[f"{__name__}.sync:initial_sync"] = SYNC_TIMEOUT_SECONDS
    reg.nav.append(
        NavItem("WooCommerce", "woocommerce_panel.settings", 95, frozenset({"woocommerce"}))
    )
    app.after_request(frame_ancestors)


def frame_ancestors(response: Response) -> Response:
    """Let a WooCommerce store's WordPress admin frame the panel, and no other site."""
    store = g.get("store")
    if store is None or store.platform != "woocommerce" or response.mimetype != "text/html":
        return response
    from sqlalchemy import select

    from ecomapp.extensions import db
    from ecomapp.models import WooSite

    url = db.session.scalar(select(WooSite.url).where(WooSite.store_id == store.id))
    if url is None:
        return response
    parts = urlsplit(url)
    response.headers["Content-Security-Policy"] = (
        f"frame-ancestors 'self' {parts.scheme}://{parts.netloc}"
    )
    return response
