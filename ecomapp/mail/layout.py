"""The responsive base layout around a merchant's body, and plain text derived from HTML."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

from ecomapp.mail.sandbox import render_text

LAYOUT = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{{ subject }}</title>
<style>
 body { margin:0; padding:0; background:#f4f5f7; }
 .wrap { width:100%; background:#f4f5f7; padding:24px 0; }
 .card { max-width:600px; margin:0 auto; background:#ffffff; border-radius:8px; overflow:hidden;
         font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif; font-size:16px;
         line-height:1.5; color:#1f2933; }
 .head { background:{{ store.color }}; color:#ffffff; padding:16px 24px; font-size:20px;
         font-weight:600; }
 .head img { max-height:40px; vertical-align:middle; border:0; }
 .body { padding:24px; }
 .body a { color:{{ store.color }}; }
 .foot { padding:16px 24px; font-size:12px; color:#6b7785; border-top:1px solid #e3e8ee; }
 @media (max-width:620px) { .card { border-radius:0; } .body, .head, .foot { padding:16px; } }
</style></head>
<body><div class="wrap"><table role="presentation" width="100%" cellpadding="0" cellspacing="0">
<tr><td><div class="card">
<div class="head">{% if store.logo_url %}<img src="{{ store.logo_url }}" alt="{{ store.name }}">
{% else %}{{ store.name }}{% endif %}</div>
<div class="body">{{ body }}</div>
<div class="foot"><p>{{ store.name }}
{% if store.address %} &middot; {{ store.address }}{% endif %}</p>
{% if unsubscribe_url %}<p>{{ why }}
<a href="{{ unsubscribe_url }}" data-unsubscribe>{{ unsubscribe }}</a></p>{% endif %}</div>
</div></td></tr></table></div>{% if pixel_url %}<img src="{{ pixel_url }}" width="1" height="1"
alt="" style="display:block;border:0;width:1px;height:1px">{% endif %}</body></html>"""


def wrap(body_html: str, subject: str, store: dict[str, Any], **links: str | None) -> str:
    """Return the full e-mail HTML: branded header, body, footer with address and links."""
    from markupsafe import Markup

    from ecomapp.mail.languages import current_mail_language, layout_text

    words = {
        "lang": current_mail_language(),
        "why": layout_text("why", store=store["name"]),
        "unsubscribe": layout_text("unsubscribe"),
    }
    context = {"body": Markup(body_html), "subject": subject, "store": store} | words | links
    return render_text(LAYOUT, context)


_BLOCK = {"p", "div", "tr", "table", "h1", "h2", "h3", "h4", "ul", "ol", "section", "br", "hr"}


class _TextParser(HTMLParser):
    """Collect readable text: links become 'text (url)', blocks become lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._href: list[str | None] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "title", "head"):
            self._skip += 1
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self._href:
            href = self._href.pop()
            if href and href.startswith(("http://", "https://", "mailto:")):
                self.parts.append(f" ({href})")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Derive a plain-text part from HTML."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = unescape("".join(parser.parts))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
