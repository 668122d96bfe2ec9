"""The mailer automations call: templates, consent, delivery, tracking, attribution."""

from flask import Flask

from ecomapp.mail.api import MailRequest, refusal_reason, send_email

SUBSCRIBER = "ecomapp.mail.subscribers:on_events"  # one job per store batch of events
SWEEPER = "ecomapp.mail.subscribers:sweep_messages"
SWEEP_SECONDS = 120


def init_app(app: Flask) -> None:
    """Register the Email panel, the public mail endpoints, the subscriber and the sweeper."""
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.admin.nav import NAV, NavItem
    from ecomapp.events.batch_subscribers import BATCH_SUBSCRIBERS
    from ecomapp.jobs.periodic import PERIODIC
    from ecomapp.mail import provider_hooks  # noqa: F401  (adds its route to public_bp)
    from ecomapp.mail.panel import bp
    from ecomapp.mail.public import public_bp

    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    PANEL_BLUEPRINTS.add(bp.name)
    if not any(item.endpoint == "mail.dashboard" for item in NAV):
        NAV.append(NavItem("Email", "mail.dashboard", 40))
    BATCH_SUBSCRIBERS[SUBSCRIBER] = frozenset({"order.created", "customer.consent_changed"})
    PERIODIC[SWEEPER] = SWEEP_SECONDS


__all__ = ["MailRequest", "refusal_reason", "send_email"]
