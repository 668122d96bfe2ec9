"""POST /storefront/search: a shopper's search term, from the Shopify web pixel or the plugin."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import jsonify, request
from werkzeug.wrappers import Response

from ecomapp.automation.tallies import upsert
from ecomapp.extensions import db
from ecomapp.models import SearchTermDay, Store
from ecomapp.models.types import utcnow
from ecomapp.storefront.requests import storefront_request
from ecomapp.storefront.routes import bp

MAX_TERM = 100
_NOT_MATCHABLE = re.compile(r"[%_\\,]+")  # LIKE wildcards and the tag separator


def normalize_term(raw: str) -> str:
    """Return the term as counted and matched: lower case, single spaces, no wildcards."""
    return " ".join(_NOT_MATCHABLE.sub(" ", raw).lower().split())


def store_day(store: Store) -> date:
    """Return today's date on the store's clock."""
    try:
        return utcnow().astimezone(ZoneInfo(store.timezone or "UTC")).date()
    except (ZoneInfoNotFoundError, ValueError):
        return utcnow().date()


def count_search(store: Store, term: str) -> None:
    """Add one search of `term` to the store's count for today (one upsert)."""
    table = SearchTermDay.__table__
    stmt = upsert(table).values(store_id=store.id, day=store_day(store), term=term, count=1)
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["store_id", "day", "term"], set_={"count": table.c.count + 1}
        )
    )
    db.session.commit()


def _raw_term() -> object:
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict):
        return body.get("term")
    return request.form.get("term", request.args.get("term"))


@bp.route("/search", methods=["POST"])
def search_submitted() -> Response | tuple[Response, int]:
    """Count one storefront search (Shopify `search_submitted` pixel event, plugin hook)."""
    who = storefront_request()
    raw = _raw_term()
    if not isinstance(raw, str) or not raw.strip():
        return jsonify(error="term is required", field="term"), 422
    term = normalize_term(raw)
    if len(term) > MAX_TERM:
        return jsonify(error=f"term is longer than {MAX_TERM} characters", field="term"), 422
    if not term:
        return jsonify(error="term has no searchable characters", field="term"), 422
    count_search(who.store, term)
    return jsonify(counted=term)
