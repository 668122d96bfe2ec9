"""ecomapp: eCommerce automation for Shopify and WooCommerce stores."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from flask import Flask

from ecomapp import errors, i18n, registries, request_limits
from ecomapp.config import Settings
from ecomapp.extensions import db, htmx, migrate
from ecomapp.redaction import install_log_filter


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Create the Flask app: settings, extensions, blueprints, CLI."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    settings = settings or Settings.from_env()
    settings.validate()
    app.config.update(settings.flask_config(app.instance_path))
    app.config.update(overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    install_log_filter()  # no secret reaches a log line, whoever logs it

    from ecomapp import models  # noqa: F401  (register every table)

    registries.init_app(app)  # before the feature packages register into them
    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"))
    htmx.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    request_limits.init_app(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


# Feature packages; each has init_app(app) that registers its blueprints, adapters,
# event subscribers, periodic jobs and navigation.
FEATURES: tuple[str, ...] = (
    "ecomapp.admin",
    "ecomapp.mail",
    "ecomapp.demo",
    "ecomapp.platforms.woocommerce",
    "ecomapp.platforms.shopify",
    "ecomapp.automation",
    "ecomapp.privacy",
    "ecomapp.insights",
    "ecomapp.insights.collections",
    "ecomapp.fraud_review",
    "ecomapp.storefront",
    "ecomapp.push",
    "ecomapp.inventory.back_in_stock_panel",
    "ecomapp.inventory.stock_levels",
    "ecomapp.recommendations",
    "ecomapp.segments",
    "ecomapp.campaigns",
)


def _register_blueprints(app: Flask) -> None:
    for name in FEATURES:
        importlib.import_module(name).init_app(app)


def _register_cli(app: Flask) -> None:
    from ecomapp.cli import register

    register(app)
