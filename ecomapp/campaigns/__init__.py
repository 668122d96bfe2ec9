"""Campaigns and newsletters: versions per audience, schedules, batched sending, results."""

from flask import Flask

STARTER = "ecomapp.campaigns.starts:start_due"
KEEPER = "ecomapp.campaigns.starts:keep_running"


def init_app(app: Flask) -> None:
    """Register the Campaigns panel and the periodic starter and keeper."""
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.admin.nav import NAV, NavItem
    from ecomapp.campaigns.panel import bp
    from ecomapp.jobs.periodic import PERIODIC

    app.register_blueprint(bp)
    PANEL_BLUEPRINTS.add(bp.name)
    if not any(item.endpoint == "campaigns.index" for item in NAV):
        NAV.append(NavItem("Campaigns", "campaigns.index", 42))
    PERIODIC[STARTER] = 60
    PERIODIC[KEEPER] = 300
