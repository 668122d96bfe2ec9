"""The responsive base layout around a merchant's body, and plain text derived from HTML."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from lxml import etree

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


_BLOCK = frozenset(
    {"p", "div", "tr", "table", "h1", "h2", "h3", "h4", "ul", "ol", "section", "br", "hr"}
)
_VOID = frozenset({"br", "hr"})  # a line break once, however it is written (<br>, <br/>)
_HIDDEN = frozenset({"style", "script", "title", "head"})
_LINK = ("http://", "https://", "mailto:")
_SPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Comments are dropped while parsing, so the text either side of one stays one run.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)


def _opening(tag: str) -> str:
    if tag == "li":
        return "\n- "
    return "\n" if tag in _BLOCK else ""


def _closing(element: etree._Element) -> str:
    tag = element.tag
    if tag == "a":
        href = element.get("href")
        return f" ({href})" if href and href.startswith(_LINK) else ""
    return "\n" if tag in _BLOCK and tag not in _VOID else ""


def _text_parts(root: etree._Element) -> list[str]:
    """Collect readable text: links become 'text (url)', blocks become lines."""
    parts: list[str] = []
    hidden = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = str(element.tag)
        if event == "start":
            hidden += tag in _HIDDEN
            parts.append(_opening(tag))
            if element.text and not hidden:
                parts.append(_SPACE.sub(" ", element.text))
            continue
        hidden -= tag in _HIDDEN
        parts.append(_closing(element))
        if element.tail and not hidden:
            parts.append(_SPACE.sub(" ", element.tail))
    return parts


def html_to_text(html: str) -> str:
    """Derive a plain-text part from HTML (parsed by libxml2, as a browser would mend it)."""
    root = etree.fromstring(html, _PARSER) if html.strip() else None
    text = unescape("".join(_text_parts(root))) if root is not None else ""
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"
