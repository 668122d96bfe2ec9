"""The fraud review queue: risky orders with their reasons, approved or labelled as fraud."""

from flask import Flask

from ecomapp.registries import registries


def init_app(app: Flask) -> None:
    """Register the review queue page, its navigation link and the backtest job's timeout."""
    from ecomapp.admin.nav import NavItem
    from ecomapp.insights.fraud.backtest_job import JOB, TIMEOUT_SECONDS

    reg = registries(app)
    reg.nav.append(NavItem("Fraud review", "fraud_review.queue", 75))
    reg.job_timeouts[JOB] = TIMEOUT_SECONDS
