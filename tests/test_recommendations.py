"""Recommendations: the nightly job trains the demo store; the panel retrains with progress."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from ecomapp.models import (
    Customer,
    LineItem,
    Order,
    Product,
    ProductRecommendation,
    RecoRun,
    Store,
)
from tests.automation_support import run_at
from tests.browser import chromium_page, serve
from tests.mail_support import queue_mail

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


def test_cli_trains_a_store(app: Flask, runner) -> None:
    """Given the demo store, when `flask train-recommendations` runs, then it reports the run."""
    store_id = seed_demo(SeedSize(customers=60, products=8, seed=5, as_of=AS_OF)).store_id
    result = runner.invoke(args=["train-recommendations", str(store_id)])
    assert result.exit_code == 0, result.output
    assert "done" in result.output and "recommendations stored" in result.output
    assert runner.invoke(args=["train-recommendations", "999999"]).exit_code != 0


def test_any_template_shows_the_customers_recommended_grid(app: Flask) -> None:
    """Given a trained demo store, when a mail's template uses {{ recommended.grid }}, then it
    shows in-stock, published products the customer never bought, priced in dollars."""
    store_id = seed_demo(SeedSize(customers=300, products=20, seed=3, as_of=AS_OF)).store_id
    run_at(app, NOON)
    run_at(app, NOON.replace(second=1))
    store = db.session.get(Store, store_id)
    customer = db.session.scalar(
        select(Customer).where(Customer.orders_count >= 3).order_by(Customer.id)
    )
    message = queue_mail(store, customer, body="<p>For you</p>{{ recommended.grid }}")
    shown = {int(i) for i in re.findall(r'data-product-id="(\d+)"', message.html)}
    assert 1 <= len(shown) <= 4 and "$" in message.html
    bought = set(
        db.session.scalars(
            select(Product.id)
            .join(LineItem, LineItem.product_platform_id == Product.platform_id)
            .join(Order, Order.id == LineItem.order_id)
            .where(Order.customer_id == customer.id, Product.store_id == store_id)
        )
    )
    assert not shown & bought
    for product in db.session.scalars(select(Product).where(Product.id.in_(shown))):
        assert product.status == "active"
        assert any((v.inventory_quantity or 0) > 0 for v in product.variants)


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
