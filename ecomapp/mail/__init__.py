"""The mailer automations call: templates, consent, delivery, tracking, attribution."""

from flask import Flask

from ecomapp.mail.api import MailRequest, refusal_reason, send_email
from ecomapp.registries import registries

SUBSCRIBER = "ecomapp.mail.subscribers:on_events"  # one job per store batch of events
SWEEPER = "ecomapp.mail.subscribers:sweep_messages"
SWEEP_SECONDS = 120


def init_app(app: Flask) -> None:
    """Register the Email panel, the public mail endpoints, the subscriber and the sweeper."""
    from ecomapp.admin.nav import NavItem

    reg = registries(app)
    reg.nav.append(NavItem("Email", "mail.dashboard", 40))
    reg.batch_subscribers[SUBSCRIBER] = frozenset({"order.created", "customer.consent_changed"})
    reg.periodic[SWEEPER] = SWEEP_SECONDS


__all__ = ["MailRequest", "refusal_reason", "send_email"]
