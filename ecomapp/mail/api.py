"""send_email: record the message under its idempotency key, then deliver it once, later."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ecomapp.extensions import db
from ecomapp.jobs import enqueue_after_commit
from ecomapp.mail import policy
from ecomapp.mail.compose import TemplateSource, new_message_id, render_parts, template_source
from ecomapp.mail.effective_settings import EffectiveSettings, effective_settings
from ecomapp.mail.languages import recipient_language
from ecomapp.mail.reminder_policy import needs_consent, offers_opt_out
from ecomapp.mail.sandbox import MailTemplateError, render_text
from ecomapp.mail.sql import one_of
from ecomapp.mail.variables import json_safe, mirror_vars
from ecomapp.models import Customer, Message, MessageKind, MessageStatus, Store

__all__ = ["MailRequest", "prepare_messages", "refusal_reason", "render", "send_email"]
DELIVER = "ecomapp.mail.delivery:deliver_message"
DELIVER_BATCH = "ecomapp.mail.delivery:deliver_batch"


@dataclass
class MailRequest:
    """What an automation asks the mailer to send."""

    to: str
    template_key: str
    idempotency_key: str
    context: dict[str, Any] = field(default_factory=dict)
    kind: str = "transactional"  # or "marketing", "cart_reminder"
    customer_id: int | None = None
    automation_id: int | None = None
    run_id: int | None = None
    subject: str | None = None
    body: str | None = None


def render(source: str, context: dict[str, Any]) -> str:
    """Render merchant-editable template text in the sandbox."""
    return render_text(source, context)


def _find(store: Store, key: str) -> Message | None:
    return db.session.scalar(
        select(Message).where(Message.store_id == store.id, Message.idempotency_key == key)
    )


def template_variables(store: Store, request: MailRequest) -> dict[str, Any]:
    """Merge mirror variables (customer, order, cart …) with the caller's context."""
    given = json_safe(request.context)
    merged: dict[str, Any] = mirror_vars(store, given, request.customer_id)
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merged[key] | value
        else:
            merged[key] = value
    return merged


def send_email(store: Store, request: MailRequest) -> Message:
    """Record one message per (store, idempotency key) and enqueue its delivery after commit."""
    existing = _find(store, request.idempotency_key)
    if existing is not None:
        return existing
    kind = MessageKind(request.kind).value
    message = Message(
        store_id=store.id,
        idempotency_key=request.idempotency_key,
        kind=kind,
        template_key=request.template_key,
        to_email=request.to.strip(),
        customer_id=request.customer_id,
        automation_id=request.automation_id,
        run_id=request.run_id,
        context=json_safe(request.context),
        status=MessageStatus.PENDING.value,
        message_id_header=new_message_id(store),
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        found = _find(store, request.idempotency_key)
        assert found is not None
        return found
    if prepare(store, message, request):
        enqueue_after_commit(DELIVER, message.id, store_id=store.id)
    return message


def is_recorded_only(message: Message) -> bool:
    """Return whether a pending row was recorded by an engine batch and is not rendered yet."""
    status = message.status == MessageStatus.PENDING.value
    return status and not (message.subject or message.html or message.text)


def request_of(message: Message) -> MailRequest:
    """Return the request a recorded message row stands for."""
    return MailRequest(
        to=message.to_email,
        template_key=message.template_key,
        idempotency_key=message.idempotency_key,
        context=dict(message.context or {}),
        kind=message.kind,
        customer_id=message.customer_id,
        automation_id=message.automation_id,
        run_id=message.run_id,
    )


def prepare_messages(store_id: int, message_ids: list[int]) -> None:
    """Job: render the messages an engine batch recorded; deliver them in one job.

    The batch's customers are read once (the renders find them in the session), and its
    suppression and consent are checked set-based (`policy.batch_refusals`)."""
    store = db.session.get(Store, store_id)
    if store is None:
        return
    rows = db.session.scalars(
        select(Message)
        .where(Message.store_id == store_id, one_of(Message.id, message_ids))
        .order_by(Message.id)
    ).all()
    rows = [m for m in rows if is_recorded_only(m)]
    settings = effective_settings(store)  # once for the batch, like its templates below
    sources: dict[tuple[str, str], TemplateSource] = {}
    customers = _customers(store_id, [m.customer_id for m in rows])  # held: the renders' cache
    rendered = [
        m
        for m in rows
        if prepare(
            store, m, request_of(m), settings, sources,
            customers[m.customer_id].locale or "" if m.customer_id in customers else "",
            refuse=False,
        )
    ]  # fmt: skip
    refused = policy.batch_refusals(store, rendered) | _invalid(rendered)  # as refusal_reason
    for m in rendered:
        if m.id in refused:
            m.status, m.error = MessageStatus.SUPPRESSED.value, refused[m.id]
    ready = [m.id for m in rendered if m.id not in refused]
    if ready:
        enqueue_after_commit(DELIVER_BATCH, ready, store_id=store_id)


def _customers(store_id: int, ids: list[int | None]) -> dict[int, Customer]:
    """Load the batch's customers in one statement (session.get then finds them)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    found = db.session.scalars(
        select(Customer).where(Customer.store_id == store_id, one_of(Customer.id, wanted))
    ).all()
    return {c.id: c for c in found}


def _invalid(messages: list[Message]) -> dict[int, str]:
    return {m.id: "no valid recipient address" for m in messages if not valid_address(m.to_email)}


def prepare(
    store: Store,
    message: Message,
    request: MailRequest,
    settings: EffectiveSettings | None = None,
    sources: dict[tuple[str, str], TemplateSource] | None = None,
    locale: str | None = None,
    refuse: bool = True,
) -> bool:
    """Render the row's content and decide: refuse now (False), or deliver (True).

    The mail is in the recipient's language when the platform gave a supported one, else in
    the store's. A batch passes its settings, a template cache shared by its messages and the
    recipient's locale ("" for none; looked up here when not given), and checks the rules for
    all its messages itself (refuse=False).
    """
    settings = settings or effective_settings(store)
    sources = {} if sources is None else sources
    if locale is None and message.customer_id is not None:  # the renders' variables use it too
        customer = db.session.get(Customer, message.customer_id)
        locale = customer.locale if customer is not None and customer.store_id == store.id else None
    language = recipient_language(store, locale)
    cache_key = (request.template_key, language)
    if cache_key not in sources:
        sources[cache_key] = template_source(store, request.template_key, language)
    source = sources[cache_key]
    if request.subject or request.body:
        source = TemplateSource(request.subject or source.subject, request.body or source.html)
    marketing = offers_opt_out(message.kind)
    try:
        rendered = render_parts(
            store,
            source,
            template_variables(store, request),
            settings,
            message.id,
            marketing,
            language,
        )
    except MailTemplateError as exc:
        message.status, message.error = MessageStatus.FAILED.value, str(exc)
        return False
    message.subject, message.html, message.text = rendered.subject, rendered.html, rendered.text
    if not refuse:
        return True
    refusal = _refusal(store, message)
    if refusal:
        message.status, message.error = MessageStatus.SUPPRESSED.value, refusal
        return False
    return True


def _refusal(store: Store, message: Message) -> str | None:
    return refusal_reason(store, message.to_email, message.kind, message.customer_id)


def refusal_reason(
    store: Store, to: str, kind: str = "marketing", customer_id: int | None = None
) -> str | None:
    """Return why a mail of this kind may not go to this address now, or None (exit checks)."""
    if not valid_address(to):
        return "no valid recipient address"
    reason = policy.suppression_reason(store, to, kind)
    if reason or not needs_consent(store, kind):
        return reason
    return policy.consent_reason(store, to, customer_id)


def valid_address(to: str) -> bool:
    """Return whether an address can be mailed at all (an @, no spaces)."""
    return "@" in to and not any(ch.isspace() for ch in to.strip())
