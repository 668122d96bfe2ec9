"""The demo store: a realistic, deterministic store generated locally, and a page to try it."""

from flask import Blueprint, Flask

from ecomapp.registries import registries

bp = Blueprint("demo_tools", __name__, url_prefix="/try")


def init_app(app: Flask) -> None:
    """Register the 'Try it' page, shown only to the demo store."""
    from ecomapp.admin.nav import NavItem
    from ecomapp.demo import routes  # noqa: F401

    reg = registries(app)
    reg.panel_blueprints.add(bp.name)
    reg.nav.append(NavItem("Try it", "demo_tools.index", 10, frozenset({"demo"})))
    app.register_blueprint(bp)
