"""The fraud review queue: risky orders with their reasons, approved or labelled as fraud."""

from flask import Flask

from ecomapp.registries import registries


def init_app(app: Flask) -> None:
    """Register the review queue page and its navigation link."""
    from ecomapp.admin.nav import NavItem

    reg = registries(app)
    reg.nav.append(NavItem("Fraud review", "fraud_review.queue", 75))
