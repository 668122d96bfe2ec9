"""Languages, money and dates: Flask-Babel with the store's language and time zone.

The panel speaks the store's language (Settings → Language; English when unset). Money is
formatted by Babel in the amount's currency for that language: baht as `฿1,234.50` in Thai, yen
without decimals, euro the way the language writes it. Mails render under the recipient's
language (`force_locale`), which is the store's unless the platform told us the customer's.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import UnknownCurrencyError, format_currency
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, format_datetime, get_locale

LANGUAGES: dict[str, str] = {"en": "English", "th": "ไทย"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "language"  # in Store.settings
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def N_(text: str) -> str:
    """Mark a string for translation where it is declared; `_()` translates it where shown."""
    return text


def store_language(store: Any) -> str:
    """Return the store's panel and mail language (a key of LANGUAGES)."""
    chosen = (getattr(store, "settings", None) or {}).get(LANGUAGE_KEY)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _select_locale() -> str:
    store = g.get("store")
    if store is not None:
        return store_language(store)
    if has_request_context():
        return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _select_timezone() -> str | None:
    store = g.get("store")
    return getattr(store, "timezone", None) or None


def money(amount: Any, currency: str | None = None, language: str | None = None) -> str:
    """Return an amount formatted by Babel for its currency in the current (or given) language."""
    if amount is None or amount == "":
        return "—"
    code = (currency or "USD").upper()
    locale = language or str(get_locale() or DEFAULT_LANGUAGE)
    try:
        return format_currency(Decimal(str(amount)), code, locale=locale)
    except (UnknownCurrencyError, UnknownLocaleError, ArithmeticError, ValueError):
        return f"{code} {amount}"


def when(value: datetime | None, fmt: str = "medium") -> str:
    """Return a date-time in the store's time zone and language ('—' when missing)."""
    return "—" if value is None else format_datetime(value, fmt)


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and the `money` and `when` template filters."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    Babel(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["when"] = when
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["get_locale"] = get_locale
