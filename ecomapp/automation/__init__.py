"""Automations: trigger, conditions, steps with waits; live runs, backtests and recipes."""

from typing import Any

from flask import Flask

from ecomapp.registries import registries


def _trace_rows(trace: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Show a condition trace with its nested groups (see `trace_view.trace_rows`)."""
    from ecomapp.automation.trace_view import trace_rows

    return trace_rows(trace or [])


def init_app(app: Flask) -> None:
    """Register the panel pages, the engine's event hook and the periodic jobs.

    Events reach the engine without a per-event subscriber job: importing `batch` hooks every
    inserted event (a pending row, then one wake-up per store after commit).
    """
    from ecomapp.admin.nav import NavItem
    from ecomapp.automation import batch  # noqa: F401  (hooks every inserted event)

    app.add_template_filter(_trace_rows, "trace_rows")
    reg = registries(app)
    reg.periodic["ecomapp.automation.batch:sweep_pending"] = 60
    reg.periodic["ecomapp.automation.schedules:fire_schedules"] = 60
    reg.periodic["ecomapp.automation.runs:sweep_runs"] = 300
    reg.periodic["ecomapp.automation.retention:prune_skipped_runs"] = 6 * 3600
    reg.nav.append(NavItem("Automations", "automations.index", 20))
