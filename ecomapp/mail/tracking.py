"""Open and click tracking: rewrite links through signed redirects, record what happened."""

from __future__ import annotations

import re

from ecomapp.extensions import db
from ecomapp.mail.signing import click_url, public_url
from ecomapp.models import Message, TrackingEvent, TrackingKind, utcnow

_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)
_TEXT_URL = re.compile(r"https?://[^\s<>()\"']+")


# Our own links, and single-use secrets (a signup's confirm link) that a redirect would expose.
UNTRACKED_PATHS = ("/m/", "/storefront/signup/confirm/")


def _trackable(url: str) -> bool:
    return not url.startswith(tuple(public_url(p) for p in UNTRACKED_PATHS))


def track_links_html(message_id: int, html: str) -> str:
    """Rewrite every http(s) link of an HTML body through the signed click redirect."""
    from html import escape, unescape

    def swap(m: re.Match[str]) -> str:
        target = unescape(m.group(3))
        if not _trackable(target):
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{escape(click_url(message_id, target))}{m.group(2)}"

    return _HREF.sub(swap, html)


def track_links_text(message_id: int, text: str) -> str:
    """Rewrite every http(s) URL of a text body through the signed click redirect."""

    def swap(m: re.Match[str]) -> str:
        url = m.group(0)
        return click_url(message_id, url) if _trackable(url) else url

    return _TEXT_URL.sub(swap, text)


def record(message: Message, kind: TrackingKind, url: str | None = None) -> TrackingEvent:
    """Record an open or click on a message; set its first-open/first-click time."""
    now = utcnow()
    event = TrackingEvent(
        store_id=message.store_id, message_id=message.id, kind=kind.value, url=url, created_at=now
    )
    db.session.add(event)
    if kind is TrackingKind.OPEN and message.opened_at is None:
        message.opened_at = now
    if kind is TrackingKind.CLICK:
        message.clicked_at = message.clicked_at or now
        message.opened_at = message.opened_at or now  # a click implies the mail was opened
    return event
