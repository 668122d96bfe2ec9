"""POST /storefront/signup: a newsletter signup form; its confirm link lands here too."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, jsonify, render_template, request
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.wrappers import Response

from ecomapp.extensions import db
from ecomapp.i18n import store_language
from ecomapp.models import Product, Store
from ecomapp.signups.rate_limits import allow
from ecomapp.signups.records import Confirmation, SignupForm, confirm, pending_for, submit
from ecomapp.storefront.fields import consent, email, fields, text
from ecomapp.storefront.requests import WOOCOMMERCE_PLUGIN, StorefrontRequest, storefront_request
from ecomapp.storefront.routes import bp

HONEYPOT = "website"  # hidden on the form: people leave it empty, form-filling bots do not
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,24}$")
MAX_INTERESTS = 50
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def store_categories(store: Store) -> list[str]:
    """Return the store's product categories, the interests a shopper may pick."""
    rows = db.session.scalars(
        select(Product.product_type)
        .where(Product.store_id == store.id, Product.product_type.is_not(None))
        .distinct()
    )
    return sorted(r for r in rows if r)


def _interests(store: Store, data: dict[str, Any]) -> list[str]:
    raw = data.get("interests")
    if not request.is_json:
        raw = request.form.getlist("interests")
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_INTERESTS:
        abort(400, description=f"interests: must be a list of at most {MAX_INTERESTS} categories")
    known, picked = set(store_categories(store)), []
    for value in raw:
        if not isinstance(value, str) or value.strip() not in known:
            abort(
                400, description=f"interests: {str(value)[:80]!r} is not a category of this store"
            )
        if value.strip() not in picked:
            picked.append(value.strip())
    return picked


def _phone(data: dict[str, Any]) -> str:
    raw = text(data, "phone", 32)
    if raw and not PHONE.match(raw):
        abort(400, description="phone: digits only, with an optional leading + (e.g. +66812345678)")
    return ("+" if raw.startswith("+") else "") + re.sub(r"[^0-9]", "", raw)


def _form(who: StorefrontRequest, data: dict[str, Any]) -> SignupForm:
    address = email(data)
    if address is None:
        abort(400, description="email: an e-mail address is required")
    return SignupForm(
        email=address,
        name=text(data, "name", 200),
        phone=_phone(data),
        interests=_interests(who.store, data),
        consent_text=consent(data),
        source=who.source,
    )


def _client_ip(who: StorefrontRequest, data: dict[str, Any]) -> str:
    """Return the shopper's IP: signed by the plugin, or the first hop the proxy reports."""
    if who.source == WOOCOMMERCE_PLUGIN:
        return text(data, "client_ip", 64) or "plugin"
    return (request.access_route[0] if request.access_route else "") or "proxy"


@bp.route("/signup", methods=["POST"])
def signup() -> tuple[Response, int]:
    """Record a verified signup and mail its confirm link; a repeat answers 200, changes nothing."""
    who = storefront_request()
    data = fields()
    if text(data, HONEYPOT, 500):
        return jsonify(status="pending"), 201  # look like success; record nothing
    if not allow("signup", who.store.id, _client_ip(who, data)):
        abort(429, description="Too many signups from your network; try again in a few minutes.")
    row, mailed = submit(who.store, _form(who, data))
    db.session.commit()
    return jsonify(status=row.status, mailed=mailed), 201 if mailed else 200


@bp.get("/signup/interests")
def signup_interests() -> Response:
    """Return the categories a signup form may offer as interests (for the plugin's form)."""
    who = storefront_request()
    return jsonify(interests=store_categories(who.store))


def _page(
    state: Confirmation, store: Store | None, token: str, asking: bool = False
) -> tuple[str, int, dict[str, str]]:
    language = store_language(store) if store is not None else "en"
    name = (store.name or store.domain) if store is not None else ""
    shown = "ask" if asking and state is Confirmation.CONFIRMED else state.value
    with force_locale(language):
        html = render_template(
            "storefront/signup_confirm.html", state=shown, store_name=name, token=token
        )
    status = 200 if state in (Confirmation.CONFIRMED, Confirmation.ALREADY) else 410
    if state is Confirmation.INVALID and store is None:
        status = 404
    return html, status, NO_STORE


@bp.get("/signup/confirm/<token>")
def signup_confirm_page(token: str) -> tuple[str, int, dict[str, str]]:
    """Show a confirm button; a GET never subscribes (mail scanners prefetch links)."""
    state, row = pending_for(token)
    store = db.session.get(Store, row.store_id) if row is not None else None
    return _page(state, store, token, asking=True)


@bp.post("/signup/confirm/<token>")
def signup_confirm(token: str) -> tuple[str, int, dict[str, str]]:
    """Subscribe the signup of a live, unused link (once); say so in the store's language."""
    state, row = confirm(token)
    db.session.commit()
    store = db.session.get(Store, row.store_id) if row is not None else None
    return _page(state, store, token)
