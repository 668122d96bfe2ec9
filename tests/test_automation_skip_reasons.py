"""The automation page counts skips by the top-level condition that failed first."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from ecomapp.automation.library import save_automation
from ecomapp.extensions import db
from tests.automation_support import deliver, login, make_automation
from tests.factories import make_store, order_record

TAG = [{"type": "action", "action": "tag_order", "params": {"tags": ["big"]}}]
BIG_MANUAL = {
    "trigger": {"event": "order.paid"},
    "conditions": {
        "all": [
            {"field": "order.total_price", "op": ">", "value": "100"},
            {"field": "order.gateway", "op": "=", "value": "manual"},
        ]
    },
    "steps": TAG,
}
EITHER = {
    "trigger": {"event": "order.paid"},
    "conditions": {
        "any": [
            {"field": "order.total_price", "op": ">", "value": "1000"},
            {"field": "order.gateway", "op": "=", "value": "cod"},
        ]
    },
    "steps": TAG,
}


def _pay(store: object, *orders: tuple[str, str, str]) -> None:
    for pid, total, gateway in orders:
        deliver(store, "order", order_record(platform_id=pid, total_price=total, gateway=gateway))


def test_skips_are_counted_by_the_condition_that_failed_first(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given "total > 100 and gateway = manual", when orders of 40, 50 (manual) and 200 (card)
    are paid, then the page shows two skips on the total and one on the gateway."""
    store = make_store()
    automation = make_automation(store, BIG_MANUAL)
    _pay(store, ("o-1", "40.00", "manual"), ("o-2", "50.00", "manual"), ("o-3", "200", "card"))
    run_jobs()
    login(client, store)
    page = client.get(f"/automations/{automation.id}").get_data(as_text=True)
    assert "skipped because order.total_price &gt; 100 did not hold: 2" in page
    assert "skipped because order.gateway = manual did not hold: 1" in page


def test_an_any_group_skip_names_none_of_the_conditions(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an any-group, when an order meets neither condition, then its skip is counted as
    none of the conditions holding."""
    store = make_store()
    automation = make_automation(store, EITHER)
    _pay(store, ("o-1", "40.00", "manual"))
    run_jobs()
    login(client, store)
    page = client.get(f"/automations/{automation.id}").get_data(as_text=True)
    assert "skipped because none of the conditions held: 1" in page


def test_a_new_version_starts_its_reasons_afresh(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given skips counted on version 1, when the conditions are edited, then the page lists
    no reasons of version 1 (their numbers named other conditions)."""
    store = make_store()
    automation = make_automation(store, BIG_MANUAL)
    _pay(store, ("o-1", "40.00", "manual"))
    run_jobs()
    save_automation(store, automation.name, EITHER, automation)
    db.session.commit()
    login(client, store)
    page = client.get(f"/automations/{automation.id}").get_data(as_text=True)
    assert "1 skipped: conditions did not hold" in page
    assert 'data-testid="skipped-because"' not in page
