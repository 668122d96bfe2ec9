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
    _init_features(app)
    _register_cli(app)
    return app


# Every blueprint, registered here and only here, in this order: (module whose `bp` it is,
# whether it serves panel pages: signed in, scoped to the current store, CSRF-checked).
BLUEPRINTS: tuple[tuple[str, bool], ...] = (
    ("ecomapp.admin.routes", True),
    ("ecomapp.mail.panel", True),
    ("ecomapp.mail.public", False),
    ("ecomapp.demo.routes", True),
    ("ecomapp.platforms.woocommerce.routes", False),
    ("ecomapp.platforms.woocommerce.panel", True),
    ("ecomapp.platforms.shopify.routes", False),
    ("ecomapp.platforms.shopify.webhook_door", False),
    ("ecomapp.platforms.shopify.panel", True),
    ("ecomapp.automation.routes", True),
    ("ecomapp.insights.routes", True),
    ("ecomapp.insights.collections.routes", True),
    ("ecomapp.fraud_review.panel", True),
    ("ecomapp.storefront.routes", False),
    ("ecomapp.push.routes", False),
    ("ecomapp.inventory.back_in_stock_panel", True),
    ("ecomapp.inventory.panel", True),
    ("ecomapp.recommendations.routes", True),
    ("ecomapp.segments.routes", True),
    ("ecomapp.campaigns.panel", True),
)

# Feature packages; each has init_app(app) that registers, in the app's registries, its
# periodic jobs, job timeouts, event subscribers, navigation and CLI commands.
FEATURES: tuple[str, ...] = (
    "ecomapp.mail",
    "ecomapp.demo",
    "ecomapp.platforms.woocommerce",
    "ecomapp.platforms.shopify",
    "ecomapp.automation",
    "ecomapp.privacy",
    "ecomapp.insights",
    "ecomapp.insights.collections",
    "ecomapp.fraud_review",
    "ecomapp.push",
    "ecomapp.inventory.back_in_stock_panel",
    "ecomapp.inventory.stock_levels",
    "ecomapp.recommendations",
    "ecomapp.segments",
    "ecomapp.campaigns",
)


def _register_blueprints(app: Flask) -> None:
    panel = registries.registries(app).panel_blueprints
    for module, is_panel in BLUEPRINTS:
        blueprint = importlib.import_module(module).bp
        app.register_blueprint(blueprint)
        if is_panel:
            panel.add(blueprint.name)


def _init_features(app: Flask) -> None:
    for name in FEATURES:
        importlib.import_module(name).init_app(app)


def _register_cli(app: Flask) -> None:
    from ecomapp.cli import register

    register(app)
