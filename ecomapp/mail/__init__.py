"""The mailer automations call: templates, consent, delivery, exactly once."""

from flask import Flask

from ecomapp.mail.api import MailRequest, send_email


def init_app(app: Flask) -> None:
    """Register the mailer's pages (none yet)."""


__all__ = ["MailRequest", "send_email"]
