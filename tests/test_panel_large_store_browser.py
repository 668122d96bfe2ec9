"""The panel on a store twenty times the demo's: Chromium walks the main pages and pages lists."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.models import Customer, Order
from tests.browser import chromium_page, serve

CUSTOMERS = 20_000  # with half a year of orders: the bulk seed writes it in seconds on PostgreSQL
PER_PAGE = 50


def _needs_postgresql() -> None:
    """Skip on SQLite: seeding a store this size there takes longer than the suite allows."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the 20,000-customer store is seeded on PostgreSQL only (TEST_DATABASE_URL)")


def _empty_every_table() -> None:
    """Empty the tables in one TRUNCATE: the suite's DELETE per table takes ~10 s at this size."""
    db.session.remove()
    names = ", ".join(table.name for table in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))


def _summary(page: Any) -> str:
    return str(page.locator('[data-testid="pager-summary"]').inner_text())


def _column(page: Any, index: int) -> list[str]:
    """Return the text of one column of the list's rows."""
    return list(page.locator(f"table.table tbody tr td:nth-child({index})").all_inner_texts())


def _pages_through(page: Any, base: str, path: str, total: int, key_column: int) -> None:
    """Check the first, second and last page of a list: counts right, rows never repeated."""
    pages = -(-total // PER_PAGE)
    page.goto(base + path)
    assert _summary(page).startswith(f"1\u2013{PER_PAGE} of {total:,} · page 1 of {pages:,}")
    first = _column(page, key_column)
    page.click('[data-testid="next-page"]')
    page.wait_for_url(f"**{path}?page=2")
    assert _summary(page).startswith(f"{PER_PAGE + 1}\u2013{2 * PER_PAGE} of {total:,}")
    second = _column(page, key_column)
    assert len(first) == len(second) == PER_PAGE and not set(first) & set(second)
    page.goto(f"{base}{path}?page={pages}")
    last_first = (pages - 1) * PER_PAGE + 1
    assert _summary(page).startswith(f"{last_first:,}\u2013{total:,} of {total:,}")
    assert len(_column(page, key_column)) == total - last_first + 1
    assert page.locator('[data-testid="next-page"]').count() == 0


@pytest.mark.browser
def test_panel_walks_and_pages_a_20k_customer_store_in_chromium(app: Flask) -> None:
    """Given 20,000 customers, when Chromium opens every main page and pages the customers
    and orders lists, then each page opens, counts are the store's and pages never repeat."""
    _needs_postgresql()
    try:
        _walk_and_page(app)
    finally:
        _empty_every_table()


def _walk_and_page(app: Flask) -> None:
    seed_demo(SeedSize(customers=CUSTOMERS, products=40, days=180, seed=11))
    db.session.commit()
    orders = db.session.scalar(select(func.count()).select_from(Order)) or 0
    best = db.session.scalars(select(Customer).order_by(Customer.orders_count.desc())).first()
    assert best is not None and orders > CUSTOMERS
    with serve(app) as base, chromium_page() as page:
        page.goto(base + "/")
        assert page.locator('[data-count="customers"]').inner_text() == f"{CUSTOMERS:,}"
        assert page.locator('[data-count="orders"]').inner_text() == f"{orders:,}"
        links = page.locator("header nav a").evaluate_all("links => links.map(a => a.href)")
        assert len(links) >= 8
        for link in links:
            response = page.goto(link, wait_until="domcontentloaded")
            assert response is not None and response.status == 200, link
            assert page.locator("h1").count() >= 1, link
        _pages_through(page, base, "/customers", CUSTOMERS, key_column=2)
        _pages_through(page, base, "/orders", orders, key_column=1)
        page.goto(f"{base}/customers?q={best.email}")
        page.click(f'a[href="/customers/{best.id}"]')
        page.wait_for_url(f"**/customers/{best.id}")
        summary = _summary(page)
        assert re.search(rf"of {best.orders_count:,} ·", summary), summary
