"""Fraud screening on the demo store: seeded suspicious orders fill the queue; recipes run."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.models import Automation, Order, RiskVerdict, Store


@pytest.fixture
def demo(client: FlaskClient) -> tuple[Store, dict[str, str]]:
    """Return the seeded demo store and the CSRF header of a signed-in session."""
    result = seed_demo(SeedSize(customers=40, products=6, days=60, open_carts=0))
    store = db.session.get(Store, result.store_id)
    assert result.counts["suspicious_orders"] == 4
    page = client.get("/try/").get_data(as_text=True)
    token = page.split('"X-CSRF-Token": "')[1].split('"')[0]
    return store, {"X-CSRF-Token": token, "HX-Request": "true"}


def test_seeded_demo_store_has_suspicious_orders_in_the_review_queue(
    client: FlaskClient, demo: tuple[Store, dict[str, str]]
) -> None:
    """Given the seeded demo store, when the queue opens, then the seeded suspicious orders
    are listed with their reasons, the high ones held on the store."""
    store, _ = demo
    page = client.get("/fraud/").get_data(as_text=True)
    verdicts = db.session.scalars(select(RiskVerdict).where(RiskVerdict.store_id == store.id))
    open_ = [v for v in verdicts if v.decision in ("held", "flagged")]
    assert len(open_) >= 3
    assert "billing country CA, shipping country US" in page
    held = [v for v in open_ if v.decision == "held"]
    assert held and all(db.session.get(Order, v.order_id).status == "on-hold" for v in held)


@pytest.mark.parametrize(
    ("recipe", "decision", "status"),
    [("hold_high_risk_orders", "held", "on-hold"), ("flag_suspicious_orders", "flagged", "open")],
)
def test_fraud_recipe_on_the_demo_store_screens_a_suspicious_order(
    client: FlaskClient,
    demo: tuple[Store, dict[str, str]],
    run_jobs: Callable[[], None],
    recipe: str,
    decision: str,
    status: str,
) -> None:
    """Given a fraud recipe switched on in the demo store, when 'suspicious' is pressed on
    the Try-it page, then the order is screened: verdict kept, flagged or held, tagged."""
    store, headers = demo
    csrf = {"X-CSRF-Token": headers["X-CSRF-Token"]}
    run_jobs()  # the seed's own events
    form = {"flag_at": "high"} if recipe == "flag_suspicious_orders" else {}
    assert client.post(f"/automations/recipes/{recipe}", data=form, headers=csrf).status_code == 303
    automation_id = db.session.scalar(select(Automation.id))
    assert client.post(f"/automations/{automation_id}/toggle", headers=csrf).status_code == 200

    assert client.post("/try/suspicious", headers=headers).status_code == 200
    run_jobs()

    tried = Order.platform_id.like("demo-try-risk-%")
    order = db.session.scalar(select(Order).where(Order.store_id == store.id, tried))
    verdict = db.session.scalar(select(RiskVerdict).where(RiskVerdict.order_id == order.id))
    assert (verdict.level, verdict.decision, order.status) == ("high", decision, status)
    assert "risk-high" in order.tags
