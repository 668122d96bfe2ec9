"""The template editor in headless Chromium: live preview while typing, and 'send test'."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Message
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve
from tests.factories import make_store


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port for the browser."""
    with serve(app) as base:
        yield base


@pytest.mark.browser
def test_preview_follows_typing_and_send_test_queues_a_mail(
    live_url: str, run_jobs: Callable[[], None]
) -> None:
    """Given the editor, when the merchant types a subject, then the preview updates; test sends."""
    make_store(name="Trail Co")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{live_url}/email/templates/welcome")
        expect(page.get_by_test_id("preview-subject")).to_have_text("Welcome to Trail Co, Alex!")
        page.fill("input[name=subject]", "Hello {{ customer.first_name }} from {{ store.name }}")
        expect(page.get_by_test_id("preview-subject")).to_have_text("Hello Alex from Trail Co")
        page.fill("textarea[name=html]", "<p>{{ ''.__class__ }}</p>")
        expect(page.get_by_test_id("preview-error")).to_contain_text("not allowed in a template")
        page.fill("input[name=to]", "me@trail.test")
        page.get_by_role("button", name="Send test").click()
        expect(page.get_by_test_id("test-result")).to_contain_text("me@trail.test")
        browser.close()
    run_jobs()
    message = db.session.scalar(select(Message))
    assert message.to_email == "me@trail.test" and message.status == "sent"
    assert message.subject == "Welcome to Trail Co, Alex!"  # the saved (default) version
