"""Install and embedded entry: app home (token exchange), patch-ID-token bounce, OAuth grant."""

from __future__ import annotations

import secrets
from typing import Any, cast

from flask import Blueprint, abort, current_app, make_response, redirect, request, session, url_for
from werkzeug.wrappers import Response

from ecomapp.platforms.shopify.domains import is_shop_domain
from ecomapp.platforms.shopify.graphql import shopify_app
from ecomapp.platforms.shopify.install import (
    InstallError,
    exchange_id_token,
    find_store,
    install_store,
)
from ecomapp.platforms.shopify.oauth import (
    CallbackRejected,
    authorize_url,
    exchange_code,
    verify_callback,
)
from ecomapp.platforms.shopify.session_tokens import (
    InvalidSessionToken,
    bounce_response,
    verify_session_token,
)

bp = Blueprint("shopify", __name__)

NONCE_KEY = "shopify_oauth_nonce"


@bp.get("/shopify/app")
def app_home() -> Response:
    """Open the app from the Shopify admin: install on first load, then show the panel."""
    id_token = request.args.get("id_token", "")
    try:
        domain, claims = verify_session_token(id_token)
    except InvalidSessionToken:
        return bounce_response(request)
    store = find_store(domain)
    reauthorize = store is not None and store.needs_reauth_since is not None
    if store is None or not store.is_active or not store.access_token or reauthorize:
        try:
            install_store(domain, exchange_id_token(id_token, claims))
        except InstallError as exc:
            return make_response(f"Could not install ecomapp: {exc}", 502)
    return redirect(url_for("admin.dashboard", **cast(dict[str, Any], request.args.to_dict())))


@bp.get("/shopify/patch-id-token")
def patch_id_token() -> Response:
    """Serve the bare page where App Bridge fetches a fresh token and reloads the app."""
    reload_path = request.args.get("shopify-reload", "")
    if not is_shop_domain(request.args.get("shop")):
        abort(400, "shop must be a valid myshopify.com domain")
    if not reload_path.startswith("/") or reload_path.startswith("//"):
        abort(400, "shopify-reload must be a path on this app")
    result = shopify_app().app_home_patch_id_token(
        {"method": "GET", "headers": dict(request.headers), "url": request.url, "body": ""}
    )
    return make_response(result.response.body, result.response.status, result.response.headers)


@bp.get("/shopify/install")
def install() -> Response:
    """Start the authorization-code grant for a non-embedded install."""
    shop = request.args.get("shop", "")
    if not is_shop_domain(shop):
        abort(400, "shop must be a valid myshopify.com domain")
    session[NONCE_KEY] = nonce = secrets.token_urlsafe(24)
    redirect_uri = current_app.config["SETTINGS"].app_url + url_for("shopify.callback")
    return redirect(authorize_url(shop, redirect_uri, nonce))


@bp.get("/shopify/callback")
def callback() -> Response:
    """Finish the authorization-code grant: verify, trade the code, create the store."""
    params = request.args.to_dict()
    try:
        shop = verify_callback(params, session.pop(NONCE_KEY, None))
        install_store(shop, exchange_code(shop, params.get("code", "")))
    except CallbackRejected as exc:
        abort(403, str(exc))
    except InstallError as exc:
        abort(502, str(exc))
    client_id = current_app.config["SETTINGS"].shopify_api_key
    return redirect(f"https://{shop}/admin/apps/{client_id}")
