"""The builder shows and keeps the push and back-in-stock actions' typed inputs."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ecomapp.extensions import db
from tests.automation_support import login, make_automation
from tests.factories import make_store
from tests.form_support import form_fields

PUSH = {
    "trigger": {"event": "cart.abandoned"},
    "steps": [
        {
            "type": "action",
            "action": "send_push",
            "params": {
                "title": "Still thinking, {{ customer.first_name }}?",
                "body": "Your cart is waiting.",
                "url": "{{ cart.recovery_url }}",
                "icon": "https://cdn.example.test/icon.png",
                "kind": "transactional",
            },
        }
    ],
}
RESTOCK = {
    "trigger": {"event": "inventory.changed"},
    "steps": [
        {
            "type": "action",
            "action": "notify_back_in_stock",
            "params": {"template": "back_in_stock", "push_title": "Back!", "push_body": "Hurry"},
        }
    ],
}


@pytest.mark.parametrize("definition", [PUSH, RESTOCK], ids=["send_push", "notify_back_in_stock"])
def test_action_round_trips_through_the_builder(
    client: FlaskClient, definition: dict[str, Any]
) -> None:
    """Given an automation with the action and every parameter set, when its builder page is
    shown (with the action's label) and posted back untouched, then nothing changes."""
    store = make_store()
    automation = make_automation(store, definition)
    before = automation.definition
    csrf = login(client, store)
    page = client.get(f"/automations/{automation.id}").get_data(as_text=True)
    label = "Send a push notification" if definition is PUSH else "Notify shoppers waiting"
    assert label in page
    reply = client.post(
        f"/automations/{automation.id}", data=form_fields(page), headers={"X-CSRF-Token": csrf}
    )
    assert reply.status_code == 303
    db.session.expire_all()
    assert automation.definition == before and automation.version == 1
