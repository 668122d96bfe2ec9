"""The demo store: a realistic, deterministic store generated locally, and a page to try it."""

from flask import Blueprint, Flask

bp = Blueprint("demo_tools", __name__, url_prefix="/try")


def init_app(app: Flask) -> None:
    """Register the 'Try it' page, shown only to the demo store."""
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.admin.nav import NAV, NavItem
    from ecomapp.demo import routes  # noqa: F401

    PANEL_BLUEPRINTS.add(bp.name)
    item = NavItem("Try it", "demo_tools.index", 10, frozenset({"demo"}))
    if item not in NAV:
        NAV.append(item)
    app.register_blueprint(bp)
