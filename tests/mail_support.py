"""Helpers for the mailer's tests: store mail settings, customers, sending through jobs."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from ecomapp.extensions import db
from ecomapp.mail import MailRequest, send_email
from ecomapp.mirror.customers import apply_customer
from ecomapp.models import Customer, MailSettings, Message, Store
from tests.factories import customer_record, next_id


def configure_mail(store: Store, **fields: Any) -> MailSettings:
    """Save the store's mail settings (quiet hours off: start == end, unless asked) and commit."""
    row = MailSettings(store_id=store.id, quiet_start_hour=0, quiet_end_hour=0)
    secrets = {k: fields.pop(k) for k in ("smtp_url", "api_token") if k in fields}
    for name, value in fields.items():
        setattr(row, name, value)
    for name, value in secrets.items():
        setattr(row, name, value)
    db.session.add(row)
    db.session.commit()
    return row


def make_customer(store: Store, consent: bool = True, **fields: Any) -> Customer:
    """Create a mirrored customer with or without marketing consent."""
    customer = apply_customer(store, customer_record(accepts_marketing=consent, **fields))
    db.session.commit()
    return customer


def queue_mail(
    store: Store,
    customer: Customer | None = None,
    kind: str = "marketing",
    key: str | None = None,
    **fields: Any,
) -> Message:
    """Call send_email the way an automation does and commit."""
    request = MailRequest(
        to=fields.pop("to", customer.email if customer else "someone@example.com"),
        template_key=fields.pop("template_key", "welcome"),
        idempotency_key=key or f"auto:1:event:{next_id()}:step:0",
        kind=kind,
        customer_id=customer.id if customer else None,
        automation_id=fields.pop("automation_id", 7),
        run_id=fields.pop("run_id", 1),
        **fields,
    )
    message = send_email(store, request)
    db.session.commit()
    return message


def csrf_headers(client: FlaskClient, page: str = "/email/") -> dict[str, str]:
    """Load a panel page so the session has a CSRF token; return the header carrying it."""
    client.get(page)
    with client.session_transaction() as session:
        return {"X-CSRF-Token": session["csrf"]}
