"""The responsive base layout around a merchant's body, and plain text derived from HTML."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from typing import Any

from lxml import etree
from markupsafe import Markup, escape

from ecomapp.mail.languages import current_mail_language, layout_text, mail_language
from ecomapp.mail.sandbox import MAX_OUTPUT_CHARS, render_text

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


# Where each mail's own values go in a layout rendered ahead (letters only: escaping keeps them).
_HOLE = f"ecomappHole{secrets.token_hex(8)}"
_HOLES = re.compile(f"{_HOLE}([a-z_]+){_HOLE}")


def wrap(body_html: str, subject: str, store: dict[str, Any], **links: str | None) -> str:
    """Return the full e-mail HTML: branded header, body, footer with address and links.

    The layout is rendered once per store, language and set of links, with holes where a
    mail's body, subject and links go; each mail fills them in, escaped as the template
    escapes them. A layout whose holes do not come out one each is rendered per mail.
    """
    present = tuple(sorted(name for name, url in links.items() if url))
    try:
        skeleton = _skeleton(current_mail_language(), tuple(store.items()), present)
    except TypeError:  # a store value that cannot be a cache key
        skeleton = None
    if skeleton is None:
        return _render(body_html, subject, store, links)
    values = {"body": body_html, "subject": str(escape(subject))}
    values |= {name: str(escape(links[name])) for name in present}
    html = "".join(values[part] if i % 2 else part for i, part in enumerate(skeleton))
    if len(html) > MAX_OUTPUT_CHARS:  # refused by the render, with its message
        return _render(body_html, subject, store, links)
    return html


@lru_cache(maxsize=64)
def _skeleton(
    language: str, store: tuple[tuple[str, Any], ...], links: tuple[str, ...]
) -> tuple[str, ...] | None:
    """Return the layout split at its holes (text, hole name, text …), or None."""
    holes = {name: f"{_HOLE}{name}{_HOLE}" for name in ("body", "subject", *links)}
    with mail_language(language):
        html = _render(holes["body"], holes["subject"], dict(store), {k: holes[k] for k in links})
    pieces = tuple(_HOLES.split(html))
    if sorted(pieces[1::2]) != sorted(holes):
        return None
    return pieces


def _render(body_html: str, subject: str, store: dict[str, Any], links: dict[str, Any]) -> str:
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
    walk = etree.iterwalk(root, events=("start", "end"))
    for event, element in walk:
        tag = str(element.tag)
        if event == "start":
            if tag in _HIDDEN:
                walk.skip_subtree()  # its end (and tail) still comes
                continue
            parts.append(_opening(tag))
            if element.text:
                parts.append(_SPACE.sub(" ", element.text))
            continue
        if tag not in _HIDDEN:
            parts.append(_closing(element))
        if element.tail:
            parts.append(_SPACE.sub(" ", element.tail))
    return parts


def html_to_text(html: str) -> str:
    """Derive a plain-text part from HTML (parsed by libxml2, as a browser would mend it)."""
    root = etree.fromstring(html, _PARSER) if html.strip() else None
    text = "".join(_text_parts(root)) if root is not None else ""  # entities decoded once
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"
