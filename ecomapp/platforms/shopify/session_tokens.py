"""Session (ID) tokens of the embedded panel: verify, then resolve the shop's store."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import quote, urlencode

import jwt
from flask import Request, abort, current_app, g, make_response, url_for
from werkzeug.wrappers import Response

from ecomapp.models import Store
from ecomapp.platforms.shopify.domains import host_of, is_shop_domain

LEEWAY_SECONDS = 10
RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"
REQUIRED_CLAIMS = ["exp", "nbf", "iss", "dest", "aud"]


class InvalidSessionToken(Exception):
    """The token is forged, expired, for another app, or names no valid shop."""


def verify_session_token(token: str) -> tuple[str, dict[str, Any]]:
    """Return (shop domain, claims) of a valid session token or raise InvalidSessionToken."""
    settings = current_app.config["SETTINGS"]
    claims: dict[str, Any] | None = None
    for secret in (settings.shopify_api_secret, settings.shopify_old_api_secret):
        if not secret:
            continue
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=settings.shopify_api_key,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise InvalidSessionToken(str(exc)) from exc
    if claims is None:
        raise InvalidSessionToken("signature does not match the app secret")
    dest, iss = host_of(claims.get("dest")), host_of(claims.get("iss"))
    if not is_shop_domain(dest) or dest != iss:
        raise InvalidSessionToken("iss and dest do not name the same valid shop")
    assert dest is not None
    return dest, claims


def bounce_response(request: Request) -> Response:
    """Return a 302 to the patch-ID-token page that reloads this path with a fresh token."""
    args = request.args.to_dict()
    args.pop("id_token", None)
    reload_path = request.path + ("?" + urlencode(args) if args else "")
    target = url_for("shopify.patch_id_token", **cast(dict[str, Any], args))
    sep = "&" if "?" in target else "?"
    return make_response("", 302, {"Location": f"{target}{sep}shopify-reload={quote(reload_path)}"})


def unauthorized(reason: str) -> Response:
    """Return 401 with the header that tells App Bridge to retry with a new token."""
    return make_response(f"Unauthorized: {reason}", 401, {RETRY_HEADER: "1"})


def _embedded_hint(request: Request) -> bool:
    return any(k in request.args for k in ("embedded", "host", "shop", "id_token"))


def _active_store(domain: str) -> Store | None:
    from ecomapp.platforms.shopify.install import find_store

    store = find_store(domain)
    return store if store is not None and store.is_active else None


def resolve_embedded_store(request: Request) -> Store | None:
    """Return the store a session token names; bounce or 401 when an embedded request has none."""
    header = request.headers.get("Authorization", "")
    if header:
        if not header.startswith("Bearer "):
            return None
        try:
            domain, _ = verify_session_token(header[len("Bearer ") :])
        except InvalidSessionToken as exc:
            abort(unauthorized(str(exc)))
        store = _active_store(domain)
        if store is None:  # no retry header: a new token would not help
            abort(make_response("ecomapp is not installed on this shop.", 401))
        g.token_auth = True
        g.shopify_shop = domain
        return store
    if not _embedded_hint(request):
        return None
    try:
        domain, _ = verify_session_token(request.args.get("id_token", ""))
    except InvalidSessionToken as exc:
        if request.headers.get("HX-Request"):  # an XHR cannot follow the bounce page
            abort(unauthorized(str(exc)))
        abort(bounce_response(request))
    store = _active_store(domain)
    if store is None:
        abort(make_response("ecomapp is not installed on this shop.", 401))
    g.shopify_shop = domain
    return store
