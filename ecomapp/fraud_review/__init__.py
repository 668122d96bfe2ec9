"""The fraud review queue: risky orders with their reasons, approved or labelled as fraud."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the review queue page and its navigation link."""
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.admin.nav import NAV, NavItem
    from ecomapp.fraud_review import tuning  # noqa: F401  (its routes join the blueprint)
    from ecomapp.fraud_review.panel import bp

    app.register_blueprint(bp)
    PANEL_BLUEPRINTS.add(bp.name)
    if not any(item.endpoint == "fraud_review.queue" for item in NAV):
        NAV.append(NavItem("Fraud review", "fraud_review.queue", 75))
