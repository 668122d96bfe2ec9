"""Every panel list pages with its total; the automations page costs the same few statements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from ecomapp.extensions import db
from ecomapp.models import Event, Message, RiskVerdict, Run, Store, Suppression
from tests.automation_support import login, make_automation
from tests.factories import make_order, make_store

TAG_NEW = {
    "trigger": {"event": "customer.created"},
    "steps": [{"type": "action", "action": "tag_customer", "params": {"tags": ["new"]}}],
}


def _automations(store: Store, n: int) -> None:
    for _ in range(n):
        make_automation(store, TAG_NEW)


def _events(store: Store, n: int) -> list[Event]:
    rows = [
        Event(store_id=store.id, type="customer.created", subject_type="customer", dedupe_key=k)
        for k in (f"{store.id}-e{i}" for i in range(n))
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def _runs(store: Store, n: int) -> None:
    automation = make_automation(store, TAG_NEW)
    db.session.add_all(
        Run(
            store_id=store.id,
            automation_id=automation.id,
            version=1,
            event_id=e.id,
            event_type=e.type,
            status="done",
        )
        for e in _events(store, n)
    )
    db.session.commit()


def _messages(store: Store, n: int) -> None:
    db.session.add_all(
        Message(
            store_id=store.id,
            idempotency_key=f"m{store.id}-{i}",
            template_key="welcome",
            to_email=f"c{i}@example.com",
        )
        for i in range(n)
    )
    db.session.commit()


def _suppressions(store: Store, n: int) -> None:
    db.session.add_all(
        Suppression(store_id=store.id, email=f"s{i}@example.com", reason="bounce") for i in range(n)
    )
    db.session.commit()


def _verdicts(store: Store, n: int) -> None:
    for i in range(n):
        order = make_order(store, email=f"buyer{i}@example.com")
        db.session.add(
            RiskVerdict(
                store_id=store.id,
                order_id=order.id,
                score=50 + i,
                level="high",
                reasons=["test"],
                decision="flagged",
            )
        )
    db.session.commit()


LISTS: dict[str, Callable[[Store, int], object]] = {
    "/automations/": _automations,
    "/automations/runs": _runs,
    "/automations/events": _events,
    "/email/messages": _messages,
    "/email/suppressions": _suppressions,
    "/fraud/": _verdicts,
}


@pytest.mark.parametrize("url", list(LISTS))
def test_every_list_pages_with_its_total(client: FlaskClient, url: str) -> None:
    """Given five rows in a store (and rows of another store), when a list is read two at a
    time, then it shows the store's total, a next link, and the last page holds the fifth."""
    other, store = make_store(), make_store()
    LISTS[url](other, 4)
    LISTS[url](store, 5)
    login(client, store)
    first = client.get(f"{url}?per_page=2").get_data(as_text=True)
    assert "1\u20132 of <span data-total>5</span>" in first
    assert 'data-testid="next-page"' in first
    last = client.get(f"{url}?per_page=2&page=3").get_data(as_text=True)
    assert "5\u20135 of <span data-total>5</span> · page 3 of 3" in last
    assert 'data-testid="next-page"' not in last


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_automations_page_costs_the_same_statements_for_2_or_40(
    app: Flask, client: FlaskClient
) -> None:
    """Given a store with 2 automations and one with 40 (each with runs), when each opens the
    automations page, then both pages cost the same number of SQL statements (no N+1)."""
    costs = []
    for n in (2, 40):
        store = make_store()
        _automations(store, n - 1)
        _runs(store, 3)
        login(client, store)
        with _statements(app) as seen:
            page = client.get("/automations/").get_data(as_text=True)
        assert f"of <span data-total>{n}</span>" in page
        costs.append(len(seen))
    assert costs[0] == costs[1], costs


def test_the_fraud_queue_costs_the_same_statements_for_2_or_12_orders(
    app: Flask, client: FlaskClient
) -> None:
    """Given stores with 2 and 12 orders awaiting review, when each opens the fraud queue, then
    both cost the same number of SQL statements (customer histories read for the whole page)."""
    costs = []
    for n in (2, 12):
        store = make_store()
        _verdicts(store, n)
        login(client, store)
        with _statements(app) as seen:
            page = client.get("/fraud/").get_data(as_text=True)
        assert f"of <span data-total>{n}</span>" in page
        costs.append(len(seen))
    assert costs[0] == costs[1], costs
