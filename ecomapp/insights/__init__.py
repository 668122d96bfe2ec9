"""Store intelligence over the mirror: set-based group runs, fraud scoring (pure functions)."""

from flask import Blueprint, Flask

bp = Blueprint("insights", __name__, url_prefix="/groups")


def init_app(app: Flask) -> None:
    """Register the group runs page, its job and the `regroup` command."""
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.insights import cli, routes  # noqa: F401

    PANEL_BLUEPRINTS.add(bp.name)
    app.register_blueprint(bp)
    app.cli.add_command(cli.regroup_command)
