"""Signup form helpers: the form a shopper fills in, and the confirm link from the mail."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.smtp_server import Received

CONSENT = "Yes, e-mail me news and offers. I can unsubscribe at any time."
LINK = re.compile(r"https?://[^\s\"'<>]+/storefront/signup/confirm/[A-Za-z0-9_.\-]+")


def signup_form(email: str = "ann@example.com", **extra: Any) -> dict[str, Any]:
    """Return a filled-in signup form with consent given."""
    return {"email": email, "name": "Ann Lee", "consent": "1", "consent_text": CONSENT} | extra


def confirm_link(received: Received) -> str:
    """Return the path of the confirm link in a received confirmation mail."""
    html = received.email.get_body(("html",)).get_content()
    found = LINK.search(html)
    assert found, html
    return "/storefront/" + found.group(0).split("/storefront/", 1)[1]
