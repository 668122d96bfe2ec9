"""Automations: trigger, conditions, steps with waits; live runs, backtests and recipes."""

from typing import Any

from flask import Blueprint, Flask

bp = Blueprint("automations", __name__, url_prefix="/automations")


@bp.app_template_filter("trace_rows")
def _trace_rows(trace: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Show a condition trace with its nested groups (see `trace_view.trace_rows`)."""
    from ecomapp.automation.trace_view import trace_rows

    return trace_rows(trace or [])


def init_app(app: Flask) -> None:
    """Register the panel pages, the engine's event hook and the periodic jobs.

    Events reach the engine without a per-event subscriber job: importing `batch` hooks every
    inserted event (a pending row, then one wake-up per store after commit).
    """
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.admin.nav import NAV, NavItem
    from ecomapp.automation import batch, routes  # noqa: F401
    from ecomapp.jobs.periodic import PERIODIC

    PERIODIC["ecomapp.automation.batch:sweep_pending"] = 60
    PERIODIC["ecomapp.automation.schedules:fire_schedules"] = 60
    PERIODIC["ecomapp.automation.runs:sweep_runs"] = 300
    PERIODIC["ecomapp.automation.retention:prune_skipped_runs"] = 6 * 3600
    PANEL_BLUEPRINTS.add("automations")
    item = NavItem("Automations", "automations.index", 20)
    if item not in NAV:
        NAV.append(item)
    app.register_blueprint(bp)
