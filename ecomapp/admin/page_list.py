"""The panel's pages as a list: what the accessibility test opens and the page bench times."""

from __future__ import annotations

from flask import Flask

from ecomapp.registries import registries

# Fragments fetched by htmx into a page (checked as part of that page), and non-HTML answers.
NOT_PAGES = {
    "admin.health",
    "automations.condition_row",
    "automations.condition_group",
    "automations.condition_operand",
    "automations.schedule_fields",
    "automations.step_row",
    "automations.step_params",
    "shopify_panel.sync_progress",
    "demo_tools.events",
    "segments.condition_row",
}


def argument_free_pages(app: Flask) -> list[str]:
    """Return the path of every argument-free GET page of the panel, sorted."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in registries(app).panel_blueprints
        and "GET" in (rule.methods or set())
        and not rule.arguments
        and rule.endpoint not in NOT_PAGES
    )
