"""Money shown to people: an amount in a currency, formatted by Babel (CLDR) for a locale."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency


def format_money(amount: Decimal | str | float | None, currency: str, locale: str = "en") -> str:
    """Return the amount in the currency as the locale writes it ($1,234.50, 1.234,50 €)."""
    if amount is None or amount == "":
        return ""
    return format_currency(Decimal(str(amount)), currency or "USD", locale=locale)
