"""Smart collections: members computed from the mirror, kept on the platform on a schedule."""

from flask import Flask

from ecomapp.registries import registries

REFRESH_CHECK_SECONDS = 300


def init_app(app: Flask) -> None:
    """Register the panel pages, the nav item and the periodic refresh check."""
    from ecomapp.admin.nav import NavItem

    reg = registries(app)
    reg.nav.append(NavItem("Collections", "collections.index", 78))
    reg.periodic[f"{__name__}.refresh:refresh_due"] = REFRESH_CHECK_SECONDS
