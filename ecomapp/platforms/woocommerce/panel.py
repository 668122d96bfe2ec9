"""The WooCommerce panel page: connection, import progress, webhooks, plugin key, disconnect."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, render_template, session
from flask_babel import gettext as _
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.i18n import N_
from ecomapp.models import WooSite
from ecomapp.platforms.woocommerce.connect import disconnect
from ecomapp.platforms.woocommerce.plugin import connection_key
from ecomapp.platforms.woocommerce.revoke import MANUAL_PLACE

bp = Blueprint("woocommerce_panel", __name__)

SYNC_STATUSES = {
    "waiting": N_("waiting"),
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
}
REVOKE_REASONS = (N_("the store did not tell us the key's id"), N_("no plugin"))


@bp.context_processor
def _panel_words() -> dict[str, Any]:
    def sync_status_label(status: str) -> str:
        return _(SYNC_STATUSES[status]) if status in SYNC_STATUSES else status

    return {"sync_status_label": sync_status_label, "revoke_reasons": REVOKE_REASONS}


@bp.route("/woocommerce")
def settings() -> str:
    """Show the connection, the import's progress, webhooks and the plugin's key."""
    site = db.session.scalar(select(WooSite).where(WooSite.store_id == g.store.id))
    key = None
    if site is not None and site.plugin_secret_enc:
        app_url = current_app.config["SETTINGS"].app_url
        key = connection_key(app_url, g.store.id, site.plugin_secret or "")
    return render_template("woocommerce/settings.html", site=site, plugin_key=key)


@bp.route("/woocommerce/disconnect", methods=["POST"])
def disconnect_store() -> str:
    """Delete our webhooks, revoke the REST key (plugin) or say where to, then sign out."""
    site = db.session.scalar(select(WooSite).where(WooSite.store_id == g.store.id))
    if site is None:
        abort(404)
    revocation = disconnect(g.store)
    page = render_template(
        "woocommerce/disconnected.html", site=site, revocation=revocation, manual=MANUAL_PLACE
    )
    session.clear()
    return page
