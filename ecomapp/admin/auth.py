"""Which store a panel request acts for: resolvers, standalone login and CSRF."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta

from flask import abort, current_app, g, redirect, request, session, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from ecomapp.admin.routes import bp
from ecomapp.extensions import db
from ecomapp.models import Platform, Store, UsedLoginLink
from ecomapp.registries import registries

LOGIN_MAX_AGE = 300
# Embedded platforms add resolvers that read a session token; each returns a store or None.
PUBLIC_ENDPOINTS = {"admin.login", "admin.health"}
# Blueprints whose pages belong to the panel; other packages add theirs.


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="ecomapp-login")


def login_token(store: Store) -> str:
    """Return a short-lived, single-use signed token that logs into a store's panel."""
    return _serializer().dumps({"store_id": store.id, "link": secrets.token_urlsafe(16)})


class LinkRefused(Exception):
    """A login link that cannot sign in; the message says why."""


def store_from_login_token(token: str) -> Store:
    """Return the store a login token names and spend the link, or raise LinkRefused."""
    try:
        data, signed_at = _serializer().loads(token, max_age=LOGIN_MAX_AGE, return_timestamp=True)
    except (BadSignature, SignatureExpired) as exc:
        raise LinkRefused("This sign-in link is invalid or has expired.") from exc
    store = db.session.get(Store, int(data["store_id"]))
    if store is None or not store.is_active or not data.get("link"):
        raise LinkRefused("This sign-in link is invalid or has expired.")
    _spend(str(data["link"]), store, signed_at)
    return store


def _spend(link_id: str, store: Store, signed_at: datetime) -> None:
    """Record the link as used (a unique row), refusing a second use even in a race."""
    expires_at = signed_at.astimezone(UTC) + timedelta(seconds=LOGIN_MAX_AGE)
    db.session.add(UsedLoginLink(link_id=link_id, store_id=store.id, expires_at=expires_at))
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise LinkRefused(
            "This sign-in link was already used: links work once. Ask for a new one."
        ) from exc


def demo_store() -> Store | None:
    """Return the demo store when this deployment may log into it without a token."""
    if current_app.config["SETTINGS"].is_production:
        return None
    return db.session.scalar(select(Store).where(Store.platform == Platform.DEMO.value))


def resolve_store() -> Store | None:
    """Return the store this request acts for, or None."""
    for resolver in registries().store_resolvers:
        store = resolver(request)
        if store is not None:
            return store
    store_id = session.get("store_id")
    if store_id is not None:
        store = db.session.get(Store, int(store_id))
        if store is not None and store.is_active:
            return store
    return demo_store()


@bp.before_app_request
def load_store() -> Response | None:
    """Attach the current store to g, or refuse the request."""
    panel = registries().panel_blueprints
    if request.blueprint not in panel or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    g.store = resolve_store()
    if g.store is None:
        abort(401, "Open ecomapp from your store's admin to sign in.")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not g.get("token_auth"):
        check_csrf()
    return None


def csrf_token() -> str:
    """Return this session's CSRF token, creating it once."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Refuse a cookie-authenticated write without the session's CSRF token."""
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(403, "Missing or wrong CSRF token: reload the page and try again.")


@bp.app_context_processor
def inject_auth() -> dict[str, object]:
    """Expose the CSRF token and current store to templates."""
    return {"csrf_token": csrf_token, "current_store": g.get("store")}


@bp.route("/login/<token>")
def login(token: str) -> Response:
    """Log into a store's panel with a signed token (WooCommerce plugin, CLI)."""
    try:
        store = store_from_login_token(token)
    except LinkRefused as exc:
        abort(401, str(exc))
    session.clear()
    session["store_id"] = store.id
    return redirect(url_for("admin.dashboard"))
