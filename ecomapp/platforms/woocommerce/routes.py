"""WooCommerce doors: connect form, /wc-auth callback and return, webhooks, plugin."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from ecomapp.admin.auth import check_csrf
from ecomapp.extensions import db
from ecomapp.models import Store, WooSite
from ecomapp.platforms.woocommerce.apply import is_draft
from ecomapp.platforms.woocommerce.connect import (
    ConnectRefused,
    complete_connection,
    finish_return,
    start_connection,
)
from ecomapp.platforms.woocommerce.erasure import PLUGIN_ERASE_TOPIC, check_erase, erase_key
from ecomapp.platforms.woocommerce.plugin import (
    PluginRefused,
    check_event,
    check_panel_token,
    event_key,
)
from ecomapp.platforms.woocommerce.webhooks import delivery_key, is_ping, verify
from ecomapp.secrets_at_rest import decrypt
from ecomapp.webhooks.inbox import record_delivery

log = logging.getLogger(__name__)
bp = Blueprint("woocommerce", __name__)

PLATFORM = "woocommerce"
KEPT_HEADERS = ("Topic", "Resource", "Event", "ID", "Delivery-ID", "Source")
RESOURCES = {"order", "customer", "product"}


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


@bp.route("/woocommerce/connect", methods=["GET", "POST"])
def connect() -> Response | str:
    """Ask for the store URL, then send the merchant to the store's /wc-auth page."""
    error = None
    if request.method == "POST":
        check_csrf()
        try:
            target, pending = start_connection(request.form.get("store_url", ""))
        except ConnectRefused as exc:
            error = str(exc)
        else:
            session["woo_pending"] = pending.id
            return redirect(target)
    status = 400 if error else 200
    page = render_template(
        "woocommerce/connect.html", error=error, url=request.form.get("store_url", "")
    )
    return Response(page, status=status, mimetype="text/html")


@bp.route("/woocommerce/callback", methods=["POST"])
def callback() -> Response:
    """Store the consumer key the store posts; exactly 200, or the store deletes the key."""
    try:
        complete_connection(json.loads(request.get_data() or b"null"))
    except (ConnectRefused, ValueError) as exc:
        log.warning("woocommerce callback refused: %s", exc)
        return _text(f"refused: {exc}", 400)
    return _text("ok", 200)


@bp.route("/woocommerce/return/<token>")
def connect_return(token: str) -> Response:
    """Land the merchant in the panel after they approved the connection."""
    if request.args.get("success") == "0":
        return _text("The connection was not approved in WooCommerce; nothing was stored.", 400)
    store = finish_return(token, session.get("woo_pending"))
    if store is None:
        abort(401, "This connection link is invalid, used, or was opened in another browser.")
    session.clear()
    session["store_id"] = store.id
    return redirect(url_for("woocommerce_panel.settings"))


def _hook_by_token(hook_token: str) -> Any:
    """Return (store_id, domain, webhook_secret_enc) of an active store's hook token, or 404.

    One Core query on a connection of its own: no ORM object, and no session transaction left
    open, so the delivery is recorded on the doors' autocommit fast path.
    """
    query = (
        select(WooSite.store_id, Store.domain, WooSite.webhook_secret_enc)
        .join(Store, Store.id == WooSite.store_id)
        .where(WooSite.hook_token == hook_token, Store.uninstalled_at.is_(None))
    )
    with db.engine.connect() as conn:
        found = conn.execute(query).first()
    if found is None:
        abort(404)
    return found


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        abort(_text("body is not JSON", 400))
    if not isinstance(payload, dict) or "id" not in payload:
        abort(_text("body must be a JSON object with an id", 400))
    return payload


@bp.route("/webhooks/woocommerce/<hook_token>", methods=["POST"])
def webhook(hook_token: str) -> Response:
    """Verify a delivery over its raw bytes, record it once, answer 200."""
    hook = _hook_by_token(hook_token)
    body = request.get_data(cache=False)
    if is_ping(body, request.headers):
        return _text("pong", 200)
    secret = decrypt(hook.webhook_secret_enc)
    if not verify(secret, body, request.headers.get("X-WC-Webhook-Signature")):
        return _text("bad signature", 401)
    resource = request.headers.get("X-WC-Webhook-Resource", "")
    topic = request.headers.get("X-WC-Webhook-Topic", "")
    if resource not in RESOURCES or topic.partition(".")[0] != resource:
        return _text(f"ignored topic {topic!r}", 200)
    payload = _json_object(body)
    if resource == "order" and is_draft(payload):
        return _text("ignored checkout-draft", 200)
    delivery = request.headers.get("X-WC-Webhook-Delivery-ID", "")
    headers = {
        f"X-WC-Webhook-{h}": request.headers.get(f"X-WC-Webhook-{h}", "") for h in KEPT_HEADERS
    }
    _, created = record_delivery(
        PLATFORM,
        delivery_key(hook.store_id, resource, payload, delivery),
        topic,
        body,
        headers,
        store_id=hook.store_id,
        shop_domain=hook.domain,
    )
    return _text("ok" if created else "duplicate", 200)


def _plugin_site(store_id: int) -> tuple[WooSite, Store]:
    store = db.session.get(Store, store_id)
    site = db.session.scalar(select(WooSite).where(WooSite.store_id == store_id))
    if store is None or site is None or not store.is_active or not site.plugin_secret_enc:
        abort(404)
    return site, store


@bp.route("/woocommerce/plugin/<int:store_id>/events", methods=["POST"])
def plugin_event(store_id: int) -> Response:
    """Accept a signed cart event from the companion plugin, like a webhook."""
    site, store = _plugin_site(store_id)
    body = request.get_data(cache=False)
    if not verify(site.plugin_secret, body, request.headers.get("X-Ecomapp-Signature")):
        return _text("bad signature", 401)
    try:
        event = check_event(json.loads(body))
    except (ValueError, UnicodeDecodeError) as exc:
        return _text(f"malformed event: {exc}", 400)
    _, created = record_delivery(
        PLATFORM,
        event_key(store.id, event, body),
        "plugin.cart",
        body,
        {"X-Ecomapp-Event": str(event["event"])},
        store_id=store.id,
        shop_domain=store.domain,
    )
    return _text("ok" if created else "duplicate", 200)


@bp.route("/woocommerce/plugin/<int:store_id>/erase", methods=["POST"])
def plugin_erase(store_id: int) -> Response:
    """Accept a signed personal-data erase request (WordPress' eraser, through the plugin)."""
    site, store = _plugin_site(store_id)
    body = request.get_data(cache=False)
    if not verify(site.plugin_secret, body, request.headers.get("X-Ecomapp-Signature")):
        return _text("bad signature", 401)
    try:
        check_erase(json.loads(body))
    except (ValueError, UnicodeDecodeError) as exc:
        return _text(f"malformed erase request: {exc}", 400)
    _, created = record_delivery(
        PLATFORM, erase_key(store.id, body), PLUGIN_ERASE_TOPIC, body, {}, store_id=store.id
    )
    return _text("accepted" if created else "duplicate", 202)


@bp.route("/woocommerce/plugin/<int:store_id>/panel")
def plugin_panel(store_id: int) -> Response:
    """Open the panel inside WordPress admin from the plugin's short-lived signed link."""
    site, store = _plugin_site(store_id)
    try:
        check_panel_token(site.plugin_secret, store.id, request.args)
    except PluginRefused as exc:
        return _text(str(exc), 401)
    session.clear()
    session["store_id"] = store.id
    return redirect(url_for("admin.dashboard"))
