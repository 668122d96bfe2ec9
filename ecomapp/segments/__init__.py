"""Segments: named rule-based groups of customers, kept current set-based over the mirror."""

from flask import Flask

from ecomapp.registries import registries

NIGHTLY_SECONDS = 24 * 3600


def init_app(app: Flask) -> None:
    """Register the Segments pages, nightly refresh, event-batch subscriber and CLI."""
    from ecomapp.admin.nav import NavItem
    from ecomapp.segments import cli
    from ecomapp.segments.jobs import NIGHTLY, SUBSCRIBER, WATCHED

    reg = registries(app)
    reg.nav.append(NavItem("Segments", "segments.index", 65))
    reg.batch_subscribers[SUBSCRIBER] = WATCHED
    reg.periodic[NIGHTLY] = NIGHTLY_SECONDS
    app.cli.add_command(cli.refresh_command)
