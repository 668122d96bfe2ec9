"""GET /storefront/ping: lets the plugin and the theme extension check that the app knows them."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from ecomapp.storefront.requests import storefront_request
from ecomapp.storefront.routes import bp


@bp.route("/ping", methods=["GET", "POST"])
def ping() -> Response:
    """Answer a verified storefront request with the store it resolved to."""
    who = storefront_request()
    return jsonify(store=who.store.domain, source=who.source, customer=who.customer_id)
