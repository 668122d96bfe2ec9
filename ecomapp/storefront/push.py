"""Storefront Web Push: the service worker, the VAPID public key, and subscribing (with consent)."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, jsonify
from werkzeug.wrappers import Response

from ecomapp.extensions import db
from ecomapp.push.keys import PushNotConfigured, vapid_keys
from ecomapp.push.subscriptions import BadSubscription, parse_subscription, save_subscription
from ecomapp.storefront.fields import consent, fields, json_field, text
from ecomapp.storefront.requests import storefront_request
from ecomapp.storefront.routes import bp


@bp.route("/push/sw.js", methods=["GET"])
def service_worker() -> Response:
    """Serve the service worker from the store's origin (app proxy or plugin)."""
    storefront_request()
    path = Path(str(current_app.static_folder)) / "push" / "sw.js"
    response = Response(path.read_text(), mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/push/key", methods=["GET", "POST"])
def public_key() -> Response:
    """Return the deployment's VAPID public key (the browser's applicationServerKey)."""
    storefront_request()
    try:
        return jsonify(public_key=vapid_keys().public_key)
    except PushNotConfigured:
        abort(503, description="web push is not configured on this deployment")


@bp.route("/push/subscribe", methods=["POST"])
def subscribe() -> tuple[Response, int]:
    """Store a browser's push subscription for the shopper or anonymous visitor, with consent."""
    who = storefront_request()
    data = fields()
    wording = consent(data)
    raw = json_field(data, "subscription")
    if raw is None:
        abort(400, description="subscription: is required")
    try:
        parsed = parse_subscription(raw)
    except BadSubscription as exc:
        abort(400, description=str(exc))
    visitor = text(data, "visitor_id", 64) or None
    row = save_subscription(who.store, parsed, wording, who.customer_id, visitor)
    db.session.commit()
    return jsonify(subscription=row.id), 201
