"""The language a mail is written in: its default template, layout words and money format."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ecomapp.i18n import DEFAULT_LANGUAGE, money, store_language

# Words of the layout around every mail (the merchant's template is the body inside it).
LAYOUT_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "why": "You receive this because you subscribed to news from {store}.",
        "unsubscribe": "Unsubscribe",
    },
    "th": {
        "why": "คุณได้รับอีเมลนี้เพราะคุณสมัครรับข่าวสารจาก {store}",
        "unsubscribe": "ยกเลิกการรับข่าวสาร",
    },
}

_language: ContextVar[str] = ContextVar("mail_language", default=DEFAULT_LANGUAGE)


@contextmanager
def mail_language(language: str) -> Iterator[None]:
    """Render mails under this language until the block ends."""
    token = _language.set(language if language in LAYOUT_TEXTS else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def supported_language(locale: str | None) -> str | None:
    """Return the supported language of a platform locale (`en-GB` → `en`), or None."""
    language = (locale or "").replace("_", "-").split("-")[0].strip().lower()
    return language if language in LAYOUT_TEXTS else None


def recipient_language(store: Any, locale: str | None) -> str:
    """Return a recipient's mail language: their own when supported, else the store's."""
    return supported_language(locale) or store_language(store)


def current_mail_language() -> str:
    """Return the language mails are being rendered in."""
    return _language.get()


def layout_text(key: str, **values: Any) -> str:
    """Return a layout word or sentence in the current mail language."""
    return LAYOUT_TEXTS[current_mail_language()][key].format(**values)


def mail_money(amount: Any, currency: str | None = None) -> str:
    """Template filter: `{{ order.total_price|money(order.currency) }}` in the mail's language."""
    return money(amount, currency, current_mail_language())
