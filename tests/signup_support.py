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


def subscribe(client: Any, store: Any, run_jobs: Any, forms: list[dict[str, Any]]) -> None:
    """Sign each form up through the app proxy and confirm it from its mailed link."""
    from ecomapp.mail import smtp
    from tests.fakes.smtp_server import running_smtp
    from tests.mail_support import configure_mail
    from tests.storefront_support import proxy_post

    with running_smtp() as mail:
        configure_mail(store, backend="smtp", smtp_url=mail.url)
        for form in forms:
            assert proxy_post(client, store, "signup", form).status_code == 201
        run_jobs()
        smtp.close_all()
        for received in list(mail.received):
            assert client.post(confirm_link(received)).status_code == 200
