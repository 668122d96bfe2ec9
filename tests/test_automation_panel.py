"""The automations panel: builder saves and refuses, partials, and tenant isolation."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Automation, AutomationVersion, Run
from tests.automation_support import count, deliver, login, make_automation
from tests.factories import make_store, order_record

FORM = {
    "name": "Big orders",
    "trigger_event": "order.paid",
    "match": "all",
    "cond_field": ["order.total_price", "order.line_items.vendor"],
    "cond_op": [">", "="],
    "cond_value": ["100", "Trailhead"],
    "cond_quantifier": ["any", "any"],
    "cond_extra": ["", ""],
    "step_key": ["a", "b", "c"],
    "step_type": ["action", "wait", "action"],
    "step_action_a": "tag_order",
    "step_param_a_tags": "big",
    "step_wait_b": "2h",
    "step_action_c": "order_note",
    "step_param_c_note": "checked",
    "exit_json": "",
}


def test_builder_saves_a_versioned_definition(client: FlaskClient) -> None:
    """Given the builder form, when saved and saved again changed, then version 2 exists."""
    store = make_store()
    csrf = login(client, store)
    reply = client.post("/automations/new", data=FORM, headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 303
    automation = db.session.scalar(select(Automation))
    assert automation.definition["steps"][1] == {"type": "wait", "hours": 2.0}
    assert automation.definition["conditions"]["all"][1]["quantifier"] == "any"
    changed = FORM | {"cond_value": ["200", "Trailhead"]}
    client.post(f"/automations/{automation.id}", data=changed, headers={"X-CSRF-Token": csrf})
    db.session.expire_all()
    assert automation.version == 2 and count(AutomationVersion) == 2
    page = client.get(f"/automations/{automation.id}").get_data(as_text=True)
    assert 'value="200"' in page and 'value="2h"' in page


def test_builder_refuses_invalid_form_naming_the_field(client: FlaskClient) -> None:
    """Given a non-numeric total, when saved, then 422 names conditions.all[0].value."""
    store = make_store()
    csrf = login(client, store)
    bad = FORM | {"cond_value": ["lots", "Trailhead"]}
    reply = client.post("/automations/new", data=bad, headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 422
    assert "conditions.all[0].value</code>: must be a number" in reply.get_data(as_text=True)
    assert count(Automation) == 0


def test_inline_validation_partial(client: FlaskClient) -> None:
    """Given a wait written badly, when the form changes, then the partial names the step."""
    store = make_store()
    csrf = login(client, store)
    bad = FORM | {"step_wait_b": "soon"}
    reply = client.post("/automations/validate", data=bad, headers={"X-CSRF-Token": csrf})
    assert "steps[1].wait" in reply.get_data(as_text=True)
    good = client.post("/automations/validate", data=FORM, headers={"X-CSRF-Token": csrf})
    assert "Valid." in good.get_data(as_text=True)


def test_writes_without_csrf_are_refused(client: FlaskClient) -> None:
    """Given a signed-in merchant, when a form posts without the CSRF token, then 403."""
    store = make_store()
    login(client, store)
    assert client.post("/automations/new", data=FORM).status_code == 403


def test_another_stores_automations_and_runs_are_invisible(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given store A's automation and run, when store B's merchant asks for them, then 404,
    and B's lists do not show them."""
    store_a, store_b = make_store(name="Shop A"), make_store(name="Shop B")
    automation = make_automation(
        store_a,
        {
            "trigger": {"event": "order.created"},
            "steps": [{"type": "action", "action": "tag_order", "params": {"tags": ["a"]}}],
        },
    )
    deliver(store_a, "order", order_record())
    run_jobs()
    run_id = db.session.scalar(select(Run.id))
    csrf = login(client, store_b)
    assert client.get(f"/automations/{automation.id}").status_code == 404
    assert client.get(f"/automations/runs/{run_id}").status_code == 404
    toggle = client.post(f"/automations/{automation.id}/toggle", headers={"X-CSRF-Token": csrf})
    assert toggle.status_code == 404
    backtest = client.post(f"/automations/{automation.id}/backtest", headers={"X-CSRF-Token": csrf})
    assert backtest.status_code == 404
    assert "Test automation" not in client.get("/automations/").get_data(as_text=True)
    assert f"#{run_id}<" not in client.get("/automations/runs").get_data(as_text=True)
    login(client, store_a)
    assert f"#{run_id}<" in client.get("/automations/runs").get_data(as_text=True)


def test_recipe_with_bad_parameters_is_refused(client: FlaskClient) -> None:
    """Given spend ranges written wrongly, when the recipe is used, then 422 says how."""
    store = make_store()
    csrf = login(client, store)
    reply = client.post(
        "/automations/recipes/spend_groups",
        data={"ranges": "lots of money"},
        headers={"X-CSRF-Token": csrf},
    )
    assert reply.status_code == 422 and "min-max = group" in reply.get_data(as_text=True)


def test_htmx_save_shows_errors_in_place(client: FlaskClient) -> None:
    """Given the builder's htmx Save, when invalid, then the errors partial comes back to swap."""
    store = make_store()
    csrf = login(client, store)
    bad = FORM | {"trigger_event": "order.exploded"}
    reply = client.post(
        "/automations/new", data=bad, headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert reply.status_code == 200 and "trigger.event</code>: unknown event" in reply.get_data(
        as_text=True
    )
    assert count(Automation) == 0
