"""Segments: named rule-based groups of customers, kept current set-based over the mirror."""

from flask import Blueprint, Flask

bp = Blueprint("segments", __name__, url_prefix="/segments")
NIGHTLY_SECONDS = 24 * 3600


def init_app(app: Flask) -> None:
    """Register the Segments pages, nightly refresh, event-batch subscriber and CLI."""
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.admin.nav import NAV, NavItem
    from ecomapp.events.batch_subscribers import BATCH_SUBSCRIBERS
    from ecomapp.jobs.periodic import PERIODIC
    from ecomapp.segments import cli, routes  # noqa: F401
    from ecomapp.segments.jobs import NIGHTLY, SUBSCRIBER, WATCHED

    app.register_blueprint(bp)
    PANEL_BLUEPRINTS.add(bp.name)
    if not any(item.endpoint == "segments.index" for item in NAV):
        NAV.append(NavItem("Segments", "segments.index", 65))
    BATCH_SUBSCRIBERS[SUBSCRIBER] = WATCHED
    PERIODIC[NIGHTLY] = NIGHTLY_SECONDS
    app.cli.add_command(cli.refresh_command)
