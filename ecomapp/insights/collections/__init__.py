"""Smart collections: members computed from the mirror, kept on the platform on a schedule."""

from flask import Blueprint, Flask

from ecomapp.registries import registries

bp = Blueprint("collections", __name__, url_prefix="/collections")

REFRESH_CHECK_SECONDS = 300


def init_app(app: Flask) -> None:
    """Register the panel pages, the nav item and the periodic refresh check."""
    from ecomapp.admin.nav import NavItem
    from ecomapp.insights.collections import routes  # noqa: F401

    reg = registries(app)
    reg.panel_blueprints.add(bp.name)
    app.register_blueprint(bp)
    reg.nav.append(NavItem("Collections", "collections.index", 78))
    reg.periodic[f"{__name__}.refresh:refresh_due"] = REFRESH_CHECK_SECONDS
