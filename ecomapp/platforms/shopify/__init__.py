"""The Shopify adapter: install, embedded panel, webhooks, Admin GraphQL and store sync."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from werkzeug.wrappers import Response

from ecomapp.platforms.shopify.domains import frame_ancestors
from ecomapp.registries import registries


def add_frame_ancestors(response: Response) -> Response:
    """Give every HTML response of an embedded request its shop's frame-ancestors CSP."""
    shop = g.get("shopify_shop")
    if shop and response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = frame_ancestors(shop)
    return response


def retry_unauthorized_xhr(response: Response) -> Response:
    """Tell App Bridge to retry with a new token when a panel XHR without one was refused."""
    from ecomapp.platforms.shopify.session_tokens import RETRY_HEADER

    if (
        response.status_code == 401
        and request.blueprint in registries().panel_blueprints
        and request.headers.get("HX-Request")
        and "Authorization" not in request.headers
    ):
        response.headers[RETRY_HEADER] = "1"
    return response


def embedded_context() -> dict[str, object]:
    """Expose App Bridge settings, and whether the store must be reauthorised, to templates."""
    store = g.get("store")
    reauth = store is not None and store.platform == "shopify" and bool(store.needs_reauth_since)
    shop = g.get("shopify_shop")
    if not shop:
        return {"shopify_embedded": None, "shopify_reauth_needed": reauth}
    api_key = current_app.config["SETTINGS"].shopify_api_key
    return {"shopify_embedded": {"api_key": api_key, "shop": shop}, "shopify_reauth_needed": reauth}


SYNC_TIMEOUT_SECONDS = 3600  # a bulk operation may take a while to finish on a big store


def init_app(app: Flask) -> None:
    """Register the session-token resolver, CSP, periodic work, nav and CLI."""
    from ecomapp.admin.nav import NavItem
    from ecomapp.platforms.shopify.cli import drop_api_webhooks_command, shopify_sync_command
    from ecomapp.platforms.shopify.reconcile import PERIOD_SECONDS
    from ecomapp.platforms.shopify.session_tokens import resolve_embedded_store

    reg = registries(app)
    reg.store_resolvers.insert(0, resolve_embedded_store)
    reg.nav.append(NavItem("Shopify", "shopify_panel.home", 80, frozenset({"shopify"})))
    reg.periodic["ecomapp.platforms.shopify.reconcile:reconcile_all"] = PERIOD_SECONDS
    reg.job_timeouts["ecomapp.platforms.shopify.bulk:sync_job"] = SYNC_TIMEOUT_SECONDS
    app.after_request(add_frame_ancestors)
    app.after_request(retry_unauthorized_xhr)
    app.context_processor(embedded_context)
    app.cli.add_command(shopify_sync_command)
    app.cli.add_command(drop_api_webhooks_command)
