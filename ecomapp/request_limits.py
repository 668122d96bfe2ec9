"""Request body caps: one table of route or blueprint to bytes, enforced before a body is read.

Werkzeug already knows how to stop a body at a limit (it checks `Content-Length` before
reading and wraps chunked streams so that reading past the limit raises 413); what it lacks is
a per-route limit. This module sets `request.max_content_length` per request from one table and
refuses a declared oversized body at once, so every door and form (WooCommerce, the panel, mail
hooks) is covered without editing their modules.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

MIB = 1024 * 1024

# Every request not named below: panel forms, install flows, plugin events, mail hooks.
DEFAULT_CAP = 1 * MIB

# Endpoint names first, then blueprint names. Webhooks are sized for the largest real payloads
# (an order with hundreds of line items and their tax and discount lines is a few hundred KiB).
CAPS: dict[str, int] = {
    "shopify_webhooks.receive": 5 * MIB,
    "woocommerce.webhook": 5 * MIB,
}


def cap_for(endpoint: str | None, blueprint: str | None) -> int:
    """Return the body cap in bytes for a route (its endpoint, its blueprint, or the default)."""
    for key in (endpoint, blueprint):
        if key is not None and key in CAPS:
            return CAPS[key]
    return DEFAULT_CAP


def enforce_cap() -> None:
    """Refuse a declared oversized body before reading; stop reading a chunked one at the cap."""
    cap = cap_for(request.endpoint, request.blueprint)
    length = request.content_length
    if length is not None and length > cap:
        raise RequestEntityTooLarge(f"Request body of {length} bytes exceeds {cap} bytes.")
    streamed = length is None and request.method not in ("GET", "HEAD", "OPTIONS")
    if streamed and request.environ.get("wsgi.input_terminated"):
        # Werkzeug's capped stream ends quietly at its limit, so read one byte past the cap
        # (buffering at most cap + 1 bytes) to tell a body of exactly `cap` from a longer one.
        request.max_content_length = cap + 1
        if len(request.get_data(cache=True, parse_form_data=False)) > cap:
            raise RequestEntityTooLarge(f"Chunked request body exceeds {cap} bytes.")
    request.max_content_length = cap


def init_app(app: Flask) -> None:
    """Run the cap check before every other before-request function of the app."""
    app.config["MAX_CONTENT_LENGTH"] = DEFAULT_CAP  # backstop for anything read before the check
    app.before_request_funcs.setdefault(None, []).insert(0, enforce_cap)
