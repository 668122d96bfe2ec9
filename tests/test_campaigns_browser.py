"""The Campaigns panel in headless Chromium: a recipe, a preview as a real recipient, a test."""

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
from tests.mail_support import configure_mail, make_customer
from tests.test_accessibility_browser import blocking_violations


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port for the browser."""
    with serve(app) as base:
        yield base


@pytest.mark.browser
def test_recipe_preview_as_a_recipient_and_send_test(live_url: str) -> None:
    """Given a store with a business customer, when the merchant starts the B2B vs B2C recipe,
    previews the B2B version and sends a test, then the preview greets that customer and one
    test mail per version is recorded."""
    store = make_store(name="Trail Co")
    make_customer(store, email="ana@firm.test", first_name="Ana", company="Firm Ltd")
    from ecomapp.mirror.kinds import classify

    classify(store)
    db.session.commit()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{live_url}/campaigns/")
        page.locator("li", has_text="Business vs individual customers").get_by_role(
            "button", name="Use"
        ).click()
        expect(page.locator("h1")).to_have_text("Business vs individual customers")
        page.locator("summary", has_text="B2B").click()
        page.get_by_role("button", name="Preview").first.click()
        expect(page.get_by_text("As Ana <ana@firm.test>")).to_be_visible()
        frame = page.frame_locator("iframe").first
        expect(frame.get_by_text("Hello Ana,")).to_be_visible()
        page.fill("input[name=to]", "me@trail.test")
        page.get_by_role("button", name="Send test").click()
        expect(page.get_by_role("status")).to_contain_text("Sent 2 test mails")
        browser.close()
    db.session.expire_all()
    tests = db.session.scalars(select(Message).where(Message.to_email == "me@trail.test")).all()
    assert sorted(m.status for m in tests) == ["sent", "sent"]


@pytest.mark.browser
def test_send_now_pause_resume_and_the_progress_bar_follows(
    live_url: str, run_jobs: Callable[[], None]
) -> None:
    """Given a campaign, when the merchant sends it now, pauses and resumes, then the progress
    bar (polled by htmx) ends at done with every consenting customer sent."""
    store = make_store(name="Trail Co")
    configure_mail(store)  # no quiet hours: the send must not wait for morning at any hour
    for i in range(3):
        make_customer(store, email=f"c{i}@trail.test", first_name=f"C{i}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{live_url}/campaigns/")
        page.fill("input[name=name]", "Flash sale")
        page.get_by_role("button", name="New campaign").click()
        assert blocking_violations(page) == []
        page.get_by_role("button", name="Send now").click()
        status = page.locator("[data-status]")
        expect(status).to_have_text("running")
        page.get_by_role("button", name="Pause").click()
        expect(status).to_have_text("paused")
        run_jobs()
        page.get_by_role("button", name="Resume").click()
        expect(status).to_have_text("running")
        run_jobs()
        expect(status).to_have_text("done", timeout=10_000)
        expect(page.locator("progress")).to_have_attribute("value", "100")
        browser.close()
    db.session.expire_all()
    sent = db.session.scalars(select(Message.status).where(Message.kind == "marketing")).all()
    assert sent == ["sent", "sent", "sent"]
