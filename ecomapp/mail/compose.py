"""Render a message from its template, and build the e-mail a backend hands over."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.i18n import store_language
from ecomapp.mail.backends import Outgoing
from ecomapp.mail.defaults import default_template
from ecomapp.mail.effective_settings import EffectiveSettings
from ecomapp.mail.languages import layout_text, mail_language
from ecomapp.mail.layout import html_to_text, wrap
from ecomapp.mail.sandbox import render_text
from ecomapp.mail.signing import open_pixel_url, unsubscribe_url
from ecomapp.mail.tracking import track_links_html, track_links_text
from ecomapp.mail.variables import store_vars
from ecomapp.mail.wire import sender, wire
from ecomapp.models import MailTemplate, Message, MessageKind, Store


@dataclass(frozen=True)
class TemplateSource:
    """A template's editable parts (text may be empty: then it is derived)."""

    subject: str
    html: str
    text: str = ""


def template_source(store: Store, key: str, language: str | None = None) -> TemplateSource:
    """Return the store's version of a template, else the default in the language, else generic."""
    row = db.session.scalar(
        select(MailTemplate).where(MailTemplate.store_id == store.id, MailTemplate.key == key)
    )
    if row is not None:
        return TemplateSource(row.subject, row.html, row.text)
    subject, html = default_template(key, language or store_language(store))
    return TemplateSource(subject, html)


def new_message_id(store: Store) -> str:
    """Return a fresh RFC 5322 Message-ID on the store's domain."""
    return make_msgid(domain=store.domain.split(":")[0] or "localhost")


@dataclass(frozen=True)
class Rendered:
    """Subject, full HTML and text of one message."""

    subject: str
    html: str
    text: str


def render_parts(
    store: Store,
    source: TemplateSource,
    variables: dict[str, Any],
    settings: EffectiveSettings,
    message_id: int | None,
    marketing: bool,
    language: str | None = None,
) -> Rendered:
    """Render subject, body and text; wrap in the layout; track links when message_id is set.

    The layout's words and money are in `language` (the store's when not given).
    """
    with mail_language(language or store_language(store)):
        return _render_parts(store, source, variables, settings, message_id, marketing)


def _render_parts(
    store: Store,
    source: TemplateSource,
    variables: dict[str, Any],
    settings: EffectiveSettings,
    message_id: int | None,
    marketing: bool,
) -> Rendered:
    svars = store_vars(store, settings.brand_color, settings.logo_url, settings.postal_address)
    variables = variables | {"store": svars}
    unsub = None
    if marketing:  # a preview (no message yet) shows where the link will be
        unsub = unsubscribe_url(message_id) if message_id else "#unsubscribe"
    variables["unsubscribe_url"] = unsub
    subject = " ".join(render_text(source.subject, variables, autoescape=False).split())
    body = render_text(source.html, variables)
    pixel = open_pixel_url(message_id) if message_id else None
    html = wrap(body, subject, svars, unsubscribe_url=unsub, pixel_url=pixel)
    if source.text.strip():
        text = render_text(source.text, variables, autoescape=False).strip() + "\n"
        text += _text_footer(svars, unsub)
    else:
        text = html_to_text(html)
    if message_id:
        html, text = track_links_html(message_id, html), track_links_text(message_id, text)
    return Rendered(subject, html, text)


def _text_footer(store: dict[str, Any], unsub: str | None) -> str:
    lines = ["", "--", f"{store['name']} · {store['address']}".rstrip(" ·")]
    if unsub:
        lines.append(f"{layout_text('unsubscribe')}: {unsub}")
    return "\n".join(lines) + "\n"


def outgoing(message: Message, settings: EffectiveSettings) -> Outgoing:
    """Return the e-mail to hand over for a message row (headers, both parts, wire bytes)."""
    headers: dict[str, str] = {}
    unsub = None
    if message.kind in (MessageKind.MARKETING.value, MessageKind.CART_REMINDER.value):
        unsub = unsubscribe_url(message.id)
        headers["List-Unsubscribe"] = f"<{unsub}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msgid = message.message_id_header or ""
    from_header = sender(settings.from_address)[1]
    raw = wire(
        from_header, message.to_email, message.subject, msgid, unsub, message.text, message.html
    )
    return Outgoing(
        message_id=message.id,
        message_id_header=msgid,
        from_addr=settings.from_address,
        to=message.to_email,
        subject=message.subject,
        html=message.html,
        text=message.text,
        headers=headers,
        raw=raw,
    )
