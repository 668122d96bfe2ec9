"""Campaigns and newsletters: versions per audience, schedules, batched sending, results."""

from flask import Flask

from ecomapp.registries import registries

STARTER = "ecomapp.campaigns.starts:start_due"
KEEPER = "ecomapp.campaigns.starts:keep_running"


def init_app(app: Flask) -> None:
    """Register the Campaigns panel and the periodic starter and keeper."""
    from ecomapp.admin.nav import NavItem

    reg = registries(app)
    reg.nav.append(NavItem("Campaigns", "campaigns.index", 42))
    reg.periodic[STARTER] = 60
    reg.periodic[KEEPER] = 300
