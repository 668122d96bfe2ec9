"""The demo store: a realistic, deterministic store generated locally, and a page to try it."""

from flask import Flask

from ecomapp.registries import registries


def init_app(app: Flask) -> None:
    """Register the 'Try it' page, shown only to the demo store."""
    from ecomapp.admin.nav import NavItem

    reg = registries(app)
    reg.nav.append(NavItem("Try it", "demo_tools.index", 10, frozenset({"demo"})))
