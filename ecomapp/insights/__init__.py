"""Store intelligence over the mirror: set-based group runs, fraud scoring (pure functions)."""

from flask import Blueprint, Flask

from ecomapp.registries import registries

bp = Blueprint("insights", __name__, url_prefix="/groups")


def init_app(app: Flask) -> None:
    """Register the group runs page, its job and the `regroup` command."""
    from ecomapp.insights import cli, routes  # noqa: F401

    reg = registries(app)
    reg.panel_blueprints.add(bp.name)
    app.register_blueprint(bp)
    app.cli.add_command(cli.regroup_command)
