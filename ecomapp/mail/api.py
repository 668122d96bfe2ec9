"""send_email: record the message under its idempotency key, then deliver it once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail.defaults import DEFAULT_TEMPLATES
from ecomapp.models import Customer, Message, MessageStatus, Store, utcnow

_env = ImmutableSandboxedEnvironment(autoescape=True)


@dataclass
class MailRequest:
    """What an automation asks the mailer to send."""

    to: str
    template_key: str
    idempotency_key: str
    context: dict[str, Any] = field(default_factory=dict)
    kind: str = "transactional"  # or "marketing"
    customer_id: int | None = None
    automation_id: int | None = None
    run_id: int | None = None
    subject: str | None = None
    body: str | None = None


def render(source: str, context: dict[str, Any]) -> str:
    """Render merchant-editable template text in the sandbox."""
    return _env.from_string(source).render(**context)


def _text_from_html(html: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"<[^>]+>", "\n", html)).strip()


def _suppressed(store: Store, request: MailRequest) -> str | None:
    if request.kind != "marketing":
        return None
    customer = db.session.get(Customer, request.customer_id) if request.customer_id else None
    if customer is None or customer.store_id != store.id or not customer.accepts_marketing:
        return "no marketing consent"
    return None


def send_email(store: Store, request: MailRequest) -> Message:
    """Send one message at most once per (store, idempotency key); return its row."""
    existing = db.session.scalar(
        select(Message).where(
            Message.store_id == store.id, Message.idempotency_key == request.idempotency_key
        )
    )
    if existing is not None:
        return existing
    subject_src, body_src = DEFAULT_TEMPLATES.get(request.template_key, ("", ""))
    context = {"store": {"name": store.name, "domain": store.domain}} | request.context
    html = render(request.body or body_src, context)
    message = Message(
        store_id=store.id,
        idempotency_key=request.idempotency_key,
        kind=request.kind,
        template_key=request.template_key,
        to_email=request.to,
        customer_id=request.customer_id,
        automation_id=request.automation_id,
        run_id=request.run_id,
        subject=render(request.subject or subject_src, context),
        html=html,
        text=_text_from_html(html),
    )
    reason = _suppressed(store, request)
    message.status = (MessageStatus.SUPPRESSED if reason else MessageStatus.SENT).value
    message.error = reason
    message.sent_at = None if reason else utcnow()
    db.session.add(message)
    db.session.flush()
    return message
