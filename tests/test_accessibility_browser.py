"""Every panel page passes axe-core in headless Chromium: no serious or critical violation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.admin.page_list import argument_free_pages
from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.models import Automation, Customer, Event, Message, Run
from tests.browser import chromium_page, serve

BLOCKING = {"serious", "critical"}


def panel_pages(app: Flask) -> list[str]:
    """Return every argument-free GET page of the panel, and one of each detail page."""
    paths = argument_free_pages(app)
    firsts: list[tuple[str, Any]] = [
        ("/customers/{}", select(Customer.id)),
        ("/automations/{}", select(Automation.id)),
        ("/automations/runs/{}", select(Run.id)),
        ("/automations/events/{}", select(Event.id)),
        ("/email/messages/{}", select(Message.id)),
    ]
    for pattern, stmt in firsts:
        found = db.session.scalar(stmt.limit(1))
        if found is not None:
            paths.append(pattern.format(found))
    return [*paths, "/email/templates/welcome"]


def blocking_violations(page: Any) -> list[str]:
    """Run axe-core on the page; return one line per serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v.get("impact") in BLOCKING
    ]


@pytest.mark.browser
def test_every_panel_page_has_no_serious_accessibility_violation(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given the demo store with an automation that ran, every panel page passes axe-core."""
    seed_demo(SeedSize(customers=40, products=6, days=60, open_carts=0))
    page = client.get("/try/").get_data(as_text=True)
    csrf = {"X-CSRF-Token": page.split('"X-CSRF-Token": "')[1].split('"')[0]}
    assert client.post("/automations/recipes/welcome", headers=csrf).status_code == 303
    automation_id = db.session.scalar(select(Automation.id))
    assert client.post(f"/automations/{automation_id}/toggle", headers=csrf).status_code == 200
    client.post("/try/customer", headers={**csrf, "HX-Request": "true"})
    run_jobs()
    pages = panel_pages(app)
    problems: dict[str, list[str]] = {}
    with serve(app) as base, chromium_page() as page:
        for path in pages:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, f"{path}: {response}"
            if found := blocking_violations(page):
                problems[path] = found
    assert len(pages) >= 20
    assert not problems, "\n".join(f"{p}:\n  " + "\n  ".join(v) for p, v in problems.items())
