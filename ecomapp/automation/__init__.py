"""Automations: trigger, conditions, steps with waits; live runs, backtests and recipes."""

from flask import Blueprint, Flask

bp = Blueprint("automations", __name__, url_prefix="/automations")

SUBSCRIBER = "ecomapp.automation.runs:handle_event"


def init_app(app: Flask) -> None:
    """Register the panel pages, the event subscriber and the periodic jobs."""
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.admin.nav import NAV, NavItem
    from ecomapp.automation import routes  # noqa: F401
    from ecomapp.events.bus import SUBSCRIBERS
    from ecomapp.jobs.periodic import PERIODIC

    if SUBSCRIBER not in SUBSCRIBERS:
        SUBSCRIBERS.append(SUBSCRIBER)
    PERIODIC["ecomapp.automation.schedules:fire_schedules"] = 60
    PERIODIC["ecomapp.automation.runs:sweep_runs"] = 300
    PERIODIC["ecomapp.automation.retention:prune_skipped_runs"] = 6 * 3600
    PANEL_BLUEPRINTS.add("automations")
    item = NavItem("Automations", "automations.index", 20)
    if item not in NAV:
        NAV.append(item)
    app.register_blueprint(bp)
