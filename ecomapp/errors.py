"""Error pages: styled HTML for people, JSON for XHR, platform and storefront callers."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)
MACHINE_PREFIXES = ("/webhooks/", "/storefront/", "/api/", "/woocommerce/plugin/")


def wants_json() -> bool:
    """Return True when the caller is a script or an htmx/XHR request rather than a page load."""
    if request.headers.get("HX-Request") or request.is_json:
        return True
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    if request.path.startswith(MACHINE_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood"),
        401: _("Please sign in again"),
        403: _("You may not open this page"),
        404: _("Page not found"),
        405: _("That action is not allowed here"),
        413: _("What was sent is too large"),
        422: _("Some values need fixing"),
        429: _("Too many requests: try again shortly"),
        500: _("Something went wrong on our side"),
    }


def render_error(error: HTTPException) -> tuple[Response | str, int]:
    """Answer an HTTP error as JSON or as a styled page, keeping its status and description."""
    code = error.code or 500
    description = error.description or ""
    if wants_json():
        return jsonify(error=code, message=description), code
    title = _titles().get(code, error.name)
    return render_template("error.html", code=code, title=title, description=description), code


def render_crash(error: InternalServerError) -> tuple[Response | str, int]:
    """Log an unhandled exception and answer with the styled 500 page (never a stack trace)."""
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    error.description = _("The error was logged. Try again, or contact support if it persists.")
    return render_error(error)


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(InternalServerError, render_crash)
    app.register_error_handler(HTTPException, render_error)
