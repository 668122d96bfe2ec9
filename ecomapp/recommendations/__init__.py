"""Product recommendations: co-purchase model, stored top-N, panel page, nightly training."""

from flask import Blueprint, Flask

from ecomapp.registries import registries

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")
NIGHTLY = 24 * 3600


def init_app(app: Flask) -> None:
    """Register the panel page, its navigation link, the nightly job and the CLI command."""
    from ecomapp.admin.nav import NavItem
    from ecomapp.recommendations import cli, routes  # noqa: F401

    reg = registries(app)
    app.register_blueprint(bp)
    reg.panel_blueprints.add(bp.name)
    reg.nav.append(NavItem("Recommendations", "recommendations.index", 77))
    reg.periodic["ecomapp.recommendations.training:train_nightly"] = NIGHTLY
    app.cli.add_command(cli.train_command)
