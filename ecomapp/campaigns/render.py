"""Render a version once, then fill in each recipient in microseconds.

A version is rendered through the mail sandbox and layout once per batch with placeholder
tokens for the recipient's fields, the unsubscribe link, the open pixel and every link; each
recipient then costs string substitution plus the signed tokens of their own links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape
from typing import Any

from ecomapp.campaigns.blocks import favourite_grid, personal_grids, render_blocks
from ecomapp.campaigns.favourites import favourite_categories
from ecomapp.i18n import store_language
from ecomapp.mail.effective_settings import EffectiveSettings
from ecomapp.mail.languages import mail_language
from ecomapp.mail.layout import html_to_text, wrap
from ecomapp.mail.sandbox import render_text
from ecomapp.mail.signing import CLICK, OPEN, UNSUBSCRIBE, public_url, tokens
from ecomapp.mail.variables import store_vars
from ecomapp.models import CampaignVersion, Store

FIELDS = ("first_name", "last_name", "email")
TOKEN = re.compile(r"%%([A-Z0-9_]+)%%")
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)


@dataclass(frozen=True)
class Prepared:
    """A version rendered once: subject, HTML and text with tokens, and its link targets."""

    version_id: int
    subject: str
    html: str
    text: str
    links: tuple[str, ...]
    grids: tuple[dict[str, Any], ...] = ()  # per-recipient grid blocks (%%GRIDn%% tokens)


@dataclass(frozen=True)
class Recipient:
    """What personalises one mail."""

    message_id: int
    first_name: str
    last_name: str
    email: str


def _placeholders() -> dict[str, Any]:
    return {"customer": {f: f"%%{f.upper()}%%" for f in FIELDS}}


def prepare(
    store: Store, version: CampaignVersion, settings: EffectiveSettings, subject: str | None = None
) -> Prepared:
    """Render a version once (with this subject template, else its own) with tokens where each
    recipient's values go."""
    with mail_language(store_language(store)):
        svars = store_vars(store, settings.brand_color, settings.logo_url, settings.postal_address)
        variables = _placeholders() | {"store": svars}
        source = subject if subject is not None else version.subject
        subject = " ".join(render_text(source, variables, autoescape=False).split())
        body = render_blocks(store, version.blocks or [], variables, settings.brand_color)
        html = wrap(body, subject, svars, unsubscribe_url="%%UNSUB%%", pixel_url="%%PIXEL%%")
    links: list[str] = []

    def swap(m: re.Match[str]) -> str:
        links.append(unescape(m.group(3)))
        return f"{m.group(1)}{m.group(2)}%%LINK{len(links) - 1}%%{m.group(2)}"

    html = _HREF.sub(swap, html)
    text = html_to_text(html)
    grids = tuple(personal_grids(version.blocks or []))
    return Prepared(version.id, subject, html, text, tuple(links), grids)


class GridMaker:
    """Per-recipient grids (the favourite category): categories found once per batch in one
    query, each distinct grid rendered once and reused."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.favourites: dict[int, str] = {}
        self.cache: dict[tuple[int, int, str | None], tuple[str, str]] = {}

    def load(self, customer_ids: list[int]) -> None:
        """Find the favourite category of a batch's customers (one SQL statement)."""
        self.favourites = favourite_categories(self.store.id, customer_ids)

    def grids(self, prepared: Prepared, customer_id: int | None) -> dict[str, tuple[str, str]]:
        """Return the (HTML, text) of each personal grid token of one recipient."""
        category = self.favourites.get(customer_id or 0)
        out: dict[str, tuple[str, str]] = {}
        for i, block in enumerate(prepared.grids):
            key = (prepared.version_id, i, category)
            if key not in self.cache:
                with mail_language(store_language(self.store)):
                    html = favourite_grid(self.store, block, category)
                self.cache[key] = (html, html_to_text(html) if html else "")
            out[f"GRID{i}"] = self.cache[key]
        return out


class Signer:
    """The signed link tokens of mail messages, their keys derived once per batch."""

    def __init__(self) -> None:
        self.click = tokens(CLICK)
        self.open = tokens(OPEN)
        self.unsubscribe = tokens(UNSUBSCRIBE)
        self.base = public_url("/m/")

    def values(self, prepared: Prepared, message_id: int) -> dict[str, str]:
        """Return the link tokens of one message."""
        values = {
            "UNSUB": f"{self.base}u/{self.unsubscribe.dumps(message_id)}",
            "PIXEL": f"{self.base}o/{self.open.dumps(message_id)}.gif",
        }
        for i, target in enumerate(prepared.links):
            values[f"LINK{i}"] = f"{self.base}c/{self.click.dumps([message_id, target])}"
        return values


@dataclass(frozen=True)
class Personal:
    """One recipient's subject, HTML and text."""

    subject: str
    html: str
    text: str
    unsubscribe_url: str


def personalise(
    prepared: Prepared,
    signer: Signer,
    recipient: Recipient,
    grids: dict[str, tuple[str, str]] | None = None,
) -> Personal:
    """Fill a prepared version in for one recipient (and their own product grids)."""
    links = signer.values(prepared, recipient.message_id)
    raw = {f.upper(): getattr(recipient, f) or "" for f in FIELDS}
    in_html = {k: escape(v) for k, v in raw.items()} | {k: escape(v) for k, v in links.items()}
    in_text = raw | links
    for name, (html, text) in (grids or {}).items():
        in_html[name], in_text[name] = html, text
    return Personal(
        TOKEN.sub(lambda m: raw.get(m[1], ""), prepared.subject),
        TOKEN.sub(lambda m: in_html.get(m[1], ""), prepared.html),
        TOKEN.sub(lambda m: in_text.get(m[1], ""), prepared.text),
        links["UNSUB"],
    )
