"""The fraud review queue: risky orders with their reasons, approved or labelled as fraud."""

from flask import Flask

from ecomapp.registries import registries


def init_app(app: Flask) -> None:
    """Register the review queue page and its navigation link."""
    from ecomapp.admin.nav import NavItem
    from ecomapp.fraud_review import tuning  # noqa: F401  (its routes join the blueprint)
    from ecomapp.fraud_review.panel import bp

    reg = registries(app)
    app.register_blueprint(bp)
    reg.panel_blueprints.add(bp.name)
    reg.nav.append(NavItem("Fraud review", "fraud_review.queue", 75))
