"""Smart collections: members computed from the mirror, kept on the platform on a schedule."""

from flask import Blueprint, Flask

bp = Blueprint("collections", __name__, url_prefix="/collections")

REFRESH_CHECK_SECONDS = 300


def init_app(app: Flask) -> None:
    """Register the panel pages, the nav item and the periodic refresh check."""
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.admin.nav import NAV, NavItem
    from ecomapp.insights.collections import routes  # noqa: F401
    from ecomapp.jobs.periodic import PERIODIC

    PANEL_BLUEPRINTS.add(bp.name)
    app.register_blueprint(bp)
    if not any(item.endpoint == "collections.index" for item in NAV):
        NAV.append(NavItem("Collections", "collections.index", 78))
    PERIODIC[f"{__name__}.refresh:refresh_due"] = REFRESH_CHECK_SECONDS
