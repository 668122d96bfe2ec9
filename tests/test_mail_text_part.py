"""The text/plain part derived from a mail's HTML: readable lines, links with their URL."""

from __future__ import annotations

import pytest
from flask import Flask

from ecomapp.extensions import db
from ecomapp.mail.layout import html_to_text
from ecomapp.models import Message
from tests.factories import make_store
from tests.mail_support import configure_mail, make_customer, queue_mail

CASES = {
    "paragraphs and a link": (
        '<p>Hi Ann,</p><p><a href="https://shop.example/new">See what is new</a></p>',
        "Hi Ann,\n\nSee what is new (https://shop.example/new)\n",
    ),
    "list items": ("<ul><li>Tea</li><li>Pots</li></ul>", "- Tea\n- Pots\n"),
    "table cells run together": ("<table><tr><td>a</td><td>b</td></tr></table>", "ab\n"),
    "head, title and style hidden": (
        "<html><head><title>T</title><style>p {}</style></head><body><p>Body</p></body></html>",
        "Body\n",
    ),
    "entities and spaces": ("<p>Tea &amp; pots &middot;\n   Cups&nbsp;</p>", "Tea & pots · Cups\n"),
    # Text that spells an entity is shown as written, not decoded a second time (a name typed
    # as "A&lt;B" is escaped to "A&amp;lt;B" in the HTML and must read "A&lt;B" in the text).
    "an entity spelled in the text": ("<p>A&amp;lt;B &amp;amp; C</p>", "A&lt;B &amp; C\n"),
    "only web and mail links get a URL": (
        '<a href="/relative">a</a> <a href="mailto:hi@shop.example">b</a>',
        "a b (mailto:hi@shop.example)\n",
    ),
    "a comment is not text": ("<p>Tea<!-- internal -->pot</p>", "Teapot\n"),
    "empty": ("", "\n"),
    # Changed with the libxml2 parser (before: html.parser, which read tags literally):
    # a break is one line however it is written (<br/> made a blank line) ...
    "a break written either way": ("<p>one<br>two<br/>three</p>", "one\ntwo\nthree\n"),
    # ... a link left open still ends with its URL, as a browser closes it ...
    "an unclosed link": (
        '<p>Go <a href="https://shop.example">now',
        "Go now (https://shop.example)\n",
    ),
    # ... and a link inside a link is mended as a browser does: two links, each with its URL.
    "a link inside a link": (
        '<a href="https://a.example">a<a href="https://b.example">b</a></a>',
        "a (https://a.example)b (https://b.example)\n",
    ),
}


@pytest.mark.parametrize("html, text", CASES.values(), ids=CASES.keys())
def test_html_becomes_readable_text(html: str, text: str) -> None:
    """Given HTML, when its text part is derived, then blocks are lines and links show URLs."""
    assert html_to_text(html) == text


def test_sent_mail_text_part_follows_the_layout(app: Flask) -> None:
    """Given a transactional mail, then its text part is body, store footer, in that order."""
    store = make_store(name="Trail Co", settings={"address": "1 Pine St, Portland"})
    configure_mail(store)
    customer = make_customer(store, first_name="Ann")
    body = "<p>Hi {{ customer.first_name }},</p><p>Your parcel left.<br/>Track it soon.</p>"
    message = queue_mail(store, customer, kind="transactional", body=body, subject="Parcel")
    row = db.session.get(Message, message.id)
    assert row.text == "Trail Co\n\nHi Ann,\n\nYour parcel left.\nTrack it soon.\n\n" + (
        "Trail Co · 1 Pine St, Portland\n"
    )
