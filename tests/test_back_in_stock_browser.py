"""The demo store's "Back in stock" page in Chromium: products with their waiting customers."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.inventory.back_in_stock import waiting_counts
from ecomapp.models import Product, Variant
from tests.browser import chromium_page, serve

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.mark.browser
def test_waiting_counts_per_product_in_chromium(app: Flask) -> None:
    """Given the demo seed (sold-out variants with waiting customers), when Chromium opens
    Back in stock from the navigation, then each product row shows the sum of its variants'
    waiting counts as waiting_counts() gives them, most waited-for first."""
    result = seed_demo(SeedSize(customers=80, products=12, seed=5))
    db.session.commit()
    assert result.counts["waiting"] > 0
    variants = list(db.session.execute(select(Variant.id, Variant.product_id)))
    counts = waiting_counts(result.store_id, [v.id for v in variants])
    expected: dict[int, int] = {}
    for v in variants:
        expected[v.product_id] = expected.get(v.product_id, 0) + counts.get(v.id, 0)
    expected = {pid: n for pid, n in expected.items() if n}
    assert sum(expected.values()) == result.counts["waiting"]
    with serve(app) as base, chromium_page() as page:
        page.goto(base + "/")
        page.click("nav >> text=Back in stock")
        page.wait_for_url("**/back-in-stock/")
        rows = page.locator('[data-testid="waiting-products"] tbody tr')
        shown = {
            int(rows.nth(i).get_attribute("data-product") or 0): int(
                rows.nth(i).locator('[data-col="waiting"]').inner_text()
            )
            for i in range(rows.count())
        }
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "back-in-stock.png"), full_page=True)
    assert shown == expected
    top = max(expected, key=lambda pid: expected[pid])
    assert expected[top] == max(shown.values())
    assert db.session.get(Product, top) is not None
