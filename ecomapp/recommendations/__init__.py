"""Product recommendations: co-purchase model, stored top-N, panel page, nightly training."""

from flask import Blueprint, Flask

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")
NIGHTLY = 24 * 3600


def init_app(app: Flask) -> None:
    """Register the panel page, its navigation link, the nightly job and the CLI command."""
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.admin.nav import NAV, NavItem
    from ecomapp.jobs.periodic import PERIODIC
    from ecomapp.recommendations import cli, routes  # noqa: F401

    app.register_blueprint(bp)
    PANEL_BLUEPRINTS.add(bp.name)
    if not any(item.endpoint == "recommendations.index" for item in NAV):
        NAV.append(NavItem("Recommendations", "recommendations.index", 77))
    PERIODIC["ecomapp.recommendations.training:train_nightly"] = NIGHTLY
    app.cli.add_command(cli.train_command)
