"""Product recommendations: co-purchase model, stored top-N, panel page, nightly training."""

from flask import Flask

from ecomapp.registries import registries

NIGHTLY = 24 * 3600


def init_app(app: Flask) -> None:
    """Register the panel page, its navigation link, the nightly job and the CLI command."""
    from ecomapp.admin.nav import NavItem
    from ecomapp.recommendations import cli

    reg = registries(app)
    reg.nav.append(NavItem("Recommendations", "recommendations.index", 77))
    reg.periodic["ecomapp.recommendations.training:train_nightly"] = NIGHTLY
    app.cli.add_command(cli.train_command)
