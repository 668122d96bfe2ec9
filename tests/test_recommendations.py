"""Recommendations: the nightly job trains the demo store; the panel retrains with progress."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from ecomapp.models import Product, ProductRecommendation, RecoRun
from tests.automation_support import run_at
from tests.browser import chromium_page, serve

AS_OF = date(2026, 6, 30)
NOON = datetime(2026, 6, 30, 12, tzinfo=UTC)


def test_nightly_job_trains_the_demo_store(app: Flask) -> None:
    """Given the demo store, when the nightly job runs, then every product has stored picks,
    most of them learned from co-purchases, none the product itself."""
    seed_demo(SeedSize(customers=300, products=20, seed=3, as_of=AS_OF))
    run_at(app, NOON)
    run_at(app, NOON.replace(second=1))
    run = db.session.scalar(select(RecoRun))
    assert run is not None and (run.trigger, run.status) == ("nightly", "done")
    assert run.done == run.total and run.lines > 0 and run.products == 20
    per_product = db.session.execute(
        select(ProductRecommendation.product_id, func.count()).group_by(
            ProductRecommendation.product_id
        )
    ).all()
    assert len(per_product) == 20
    learned = db.session.scalar(
        select(func.count()).where(ProductRecommendation.source == "co-purchase")
    )
    assert learned > run.pairs / 2
    assert not db.session.scalar(
        select(func.count()).where(
            ProductRecommendation.product_id == ProductRecommendation.recommended_id
        )
    )


@pytest.mark.browser
def test_panel_retrains_with_progress_and_shows_a_products_picks(app: Flask) -> None:
    """Given the demo store, when Retrain is clicked in Chromium and the job runs, then the run's
    bar fills, and a product's recommendations are listed."""
    seed_demo(SeedSize(customers=120, products=10, seed=4, as_of=AS_OF))
    db.session.commit()
    product = db.session.scalar(select(Product).order_by(Product.title))
    with serve(app) as base, chromium_page() as page:
        page.goto(base + "/")
        page.click("nav >> text=Recommendations")
        page.wait_for_url("**/recommendations/")
        page.click("text=Retrain now")
        row = page.locator('[data-testid="reco-runs"] tbody tr').first
        assert row.get_attribute("data-status") == "queued"
        drain(app)  # the worker runs the job; the row's htmx poll shows the outcome
        page.wait_for_selector('[data-testid="reco-runs"] tbody tr[data-status="done"]')
        bar = page.locator('[data-testid="reco-progress"]').first
        assert bar.get_attribute("value") == bar.get_attribute("max")
        page.select_option("#product", str(product.id))
        page.click('[data-testid="product-form"] button')
        page.wait_for_selector('[data-testid="product-picks"] tbody tr[data-product-id]')
        assert page.locator('[data-testid="product-picks"] tbody tr').count() >= 3
