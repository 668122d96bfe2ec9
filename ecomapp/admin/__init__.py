"""The merchant's panel: server-rendered pages and HTMX partials."""

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__)

from ecomapp.admin import auth, routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Register the panel's core pages."""
    app.register_blueprint(bp)
