"""Panel page server times (p95 over N requests) on the seeded store, against a bare endpoint.

Run: python -m bench.panel_pages [--quick] [--requests 50] [--database-url URL]
Each page is requested through the app's WSGI interface (no network): the time is server time.
The baseline is a bare Flask endpoint running `SELECT 1` on the same database, timed the same way.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, select, text

from bench.big_store import add_arguments, bench_app, customers_wanted, figure, seeded_store
from ecomapp.admin.auth import login_token
from ecomapp.admin.page_list import argument_free_pages
from ecomapp.automation.library import save_automation, set_enabled
from ecomapp.automation.recipes import RECIPES, build_recipe
from ecomapp.config import database_url
from ecomapp.extensions import db
from ecomapp.models import Automation, Customer, Event, Message, Run, Store


def p95_ms(call: Callable[[], object], n: int) -> float:
    """Return the 95th percentile of n timed calls, in milliseconds (after one warm-up call)."""
    call()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(times, n=20)[-1]


def baseline_ms(url: str, n: int) -> float:
    """Return the p95 of a bare Flask endpoint that runs SELECT 1 on the same database."""
    engine = create_engine(database_url(url, "."))
    bare = Flask("bare")

    @bare.route("/")
    def one() -> str:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT 1")).scalar())

    client = bare.test_client()
    try:
        return p95_ms(lambda: client.get("/"), n)
    finally:
        engine.dispose()


def _slug(path: str) -> str:
    """Return a figure name part for a page path (`/automations/runs` -> `automations_runs`)."""
    return re.sub(r"\W+", "_", path.split("?")[0].strip("/")) or "dashboard"


def _pages(app: Flask, store_id: int) -> dict[str, str]:
    """Return {figure name: path}: every argument-free panel page (as the accessibility test
    finds them), deep list pages, searches with real terms, and one of each detail page."""
    with app.app_context():
        email = db.session.scalar(
            select(Customer.email).where(Customer.store_id == store_id).order_by(Customer.id.desc())
        )
        _automations(db.session.get(Store, store_id))  # type: ignore[arg-type]
        details = _detail_pages(store_id)
        pages = {_slug(path): path for path in argument_free_pages(app)}
    return (
        pages
        | details
        | {
            "customers_page_1000": "/customers?page=1000",
            "customer_search_email": f"/customers?q={email}",
            "customer_search_name": "/customers?q=smith",
            "customer_search_short": "/customers?q=ma",
            "orders_page_1000": "/orders?page=1000",
            "automations_events_page_100": "/automations/events?page=100",
        }
    )


def _detail_pages(store_id: int) -> dict[str, str]:
    """Return one page of each kind that shows one row (the customer with the most orders)."""
    firsts: list[tuple[str, str, Any, Any]] = [
        ("customer_detail", "/customers/{}", Customer, Customer.orders_count.desc()),
        ("automation_edit", "/automations/{}", Automation, Automation.id),
        ("run_detail", "/automations/runs/{}", Run, Run.id),
        ("event_why", "/automations/events/{}", Event, Event.id),
        ("mail_message", "/email/messages/{}", Message, Message.id),
    ]
    found = {}
    for name, pattern, model, order in firsts:
        stmt = select(model.id).where(model.store_id == store_id).order_by(order).limit(1)
        if (row_id := db.session.scalar(stmt)) is not None:
            found[name] = pattern.format(row_id)
    return found | {"mail_template": "/email/templates/welcome"}


def _automations(store: Store) -> None:
    """Give the store one automation per recipe, switched on (the automations page lists them)."""
    if db.session.scalar(select(Automation.id).where(Automation.store_id == store.id)):
        return
    for key in RECIPES:
        name, definition = build_recipe(key, {})
        set_enabled(save_automation(store, name, definition), True)
    db.session.commit()


def main() -> None:
    """Seed if needed, time every page and the baseline, print one figure per page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--requests", type=int, default=None, help="per page (default 50)")
    args = parser.parse_args()
    n = args.requests or (20 if args.quick else 50)
    app = bench_app(args.database_url)
    store_id = seeded_store(app, customers_wanted(args))
    pages = _pages(app, store_id)
    client = app.test_client()
    with app.app_context():
        token = login_token(db.session.get(Store, store_id))  # type: ignore[arg-type]
    assert client.get(f"/login/{token}").status_code == 302
    cold = time.perf_counter()
    assert client.get("/").status_code == 200
    print(f"dashboard, first view (rollup computed): {(time.perf_counter() - cold) * 1000:.0f} ms")
    base = baseline_ms(args.database_url, n)
    for name, path in pages.items():
        status = client.get(path).status_code
        assert status == 200, f"{path} answered {status}"
        figure(f"panel_{name}_p95_ms", p95_ms(lambda p=path: client.get(p), n), base)


if __name__ == "__main__":
    main()
