"""Dashboard Largest Contentful Paint in Chromium on the seeded store, and the panel browser checks.

Run: python -m bench.dashboard_lcp [--quick] [--database-url URL]
LCP comes from a PerformanceObserver in the page (median of several loads); the baseline is the
LCP of a bare HTML page served by the same server. Then the checks the panel's browser tests make,
against this store: every page opens, every list shows its pager and total, the customers list
pages, search finds a customer.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from bench.big_store import add_arguments, bench_app, customers_wanted, figure, seeded_store
from ecomapp.admin.auth import login_token
from ecomapp.extensions import db
from ecomapp.models import Customer, Store

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
LCP_JS = """() => new Promise(resolve => {
  new PerformanceObserver(list => {
    const entries = list.getEntries();
    resolve(entries[entries.length - 1].startTime);
  }).observe({type: 'largest-contentful-paint', buffered: true});
})"""
PAGES = ("/", "/customers", "/orders", "/jobs", "/groups/", "/automations/", "/automations/runs")
# Every paged list of the panel: each must show its pager with the list's total.
LISTS = (
    "/customers",
    "/orders",
    "/jobs",
    "/automations/",
    "/automations/runs",
    "/automations/events",
    "/email/messages",
    "/email/suppressions",
    "/fraud/",
)


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def lcp_ms(page: Any, url: str, loads: int) -> float:
    """Return the median LCP of `loads` fresh loads of url, in milliseconds."""
    found = []
    for _ in range(loads):
        page.goto(url, wait_until="load")
        found.append(float(page.evaluate(LCP_JS)))
    return statistics.median(found)


def _check_pages(page: Any, base: str) -> None:
    for path in PAGES:
        response = page.goto(base + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        assert page.locator("h1").first.is_visible(), f"{path} has no heading"


def _check_pagers(page: Any, base: str) -> None:
    for path in LISTS:
        response = page.goto(base + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        summary = page.locator('[data-testid="pager-summary"]').first.inner_text()
        assert " of " in summary, f"{path}: pager says {summary!r}"


def _check_paging(page: Any, base: str, total: int) -> None:
    page.goto(base + "/customers")
    first = page.locator("#rows tr").first.inner_text()
    page.click('[data-testid="next-page"]')
    page.wait_for_url("**/customers?page=2")
    summary = page.locator('[data-testid="pager-summary"]').inner_text()
    assert summary.startswith(f"51\u2013100 of {total:,}"), summary
    assert page.locator("#rows tr").count() == 50
    assert page.locator("#rows tr").first.inner_text() != first


def _check_search(page: Any, base: str, email: str) -> None:
    page.goto(base + "/customers")
    page.fill('input[name="q"]', email)
    page.wait_for_function(
        "() => document.querySelectorAll('#rows tr').length === 1", timeout=10_000
    )
    assert email in page.locator("#rows").inner_text()


def run_checks(page: Any, base: str, total: int, email: str) -> tuple[int, int]:
    """Run the panel's browser checks; print failures; return (passed, total)."""
    checks: list[tuple[str, Callable[[], None]]] = [
        ("pages open", lambda: _check_pages(page, base)),
        ("customers list pages", lambda: _check_paging(page, base, total)),
        ("every list shows its pager and total", lambda: _check_pagers(page, base)),
        ("search finds a customer", lambda: _check_search(page, base, email)),
    ]
    passed = 0
    for name, check in checks:
        try:
            check()
            passed += 1
            print(f"browser check ok: {name}", flush=True)
        except Exception as exc:  # a failed check is reported, the others still run
            print(f"browser check FAILED: {name}: {exc}", file=sys.stderr, flush=True)
    return passed, len(checks)


def main() -> None:
    """Seed if needed, measure LCP against a bare page, run the browser checks."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()
    customers, loads = customers_wanted(args), 3 if args.quick else 7
    app = bench_app(args.database_url)
    store_id = seeded_store(app, customers)
    app.add_url_rule("/_bench/bare", "bench_bare", lambda: "<!doctype html><h1>Dashboard</h1>")
    with app.app_context():
        token = login_token(db.session.get(Store, store_id))  # type: ignore[arg-type]
        email = db.session.scalar(
            select(Customer.email).where(Customer.store_id == store_id).order_by(Customer.id)
        )
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with serve(app) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login/{token}")
        page.goto(base + "/")  # the first view computes the month rollup
        dashboard, bare = (
            lcp_ms(page, base + "/", loads),
            lcp_ms(page, base + "/_bench/bare", loads),
        )
        figure("dashboard_lcp_ms", dashboard, bare)
        passed, total = run_checks(page, base, customers, str(email))
        browser.close()
    figure("panel_browser_checks_passed", passed, total)


if __name__ == "__main__":
    main()
