"""The builder edits nested groups, exit conditions and if/else steps as rows, never as JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Automation, AutomationVersion
from tests.automation_support import count, deliver, login, make_automation
from tests.factories import make_store, order_record
from tests.form_support import form_fields

BLANK = {"quantifier": "", "extra": ""}


def _rows(prefix: str, *rows: tuple[str, str, str]) -> dict[str, list[str]]:
    """Return a section's posted rows: (field, op, value); ("(open)", mode, "") and ("(end)", …)."""
    form: dict[str, list[str]] = {f"{prefix}_{n}": [] for n in BLANK | {"field": 1, "op": 1}}
    form[f"{prefix}_value"] = []
    for field, op, value in rows:
        form[f"{prefix}_field"].append(field)
        form[f"{prefix}_op"].append(op)
        form[f"{prefix}_value"].append(value)
        form[f"{prefix}_quantifier"].append("any")
        form[f"{prefix}_extra"].append("")
    return form


def _form(**changes: Any) -> dict[str, Any]:
    """Return a builder form: a nested condition group, an exit condition and an if/else."""
    form: dict[str, Any] = {"name": "Nested", "trigger_event": "order.created", "match": "all"}
    form |= _rows(
        "cond",
        ("order.financial_status", "=", "paid"),
        ("(open)", "any", ""),
        ("order.total_price", ">=", "100"),
        ("order.gateway", "=", "manual"),
        ("(end)", "", ""),
    )
    form |= {"exit_match": "any"} | _rows("exit", ("order.cancelled", "=", "true"))
    form |= {"if_b1_match": "all"} | _rows("if_b1", ("order.total_price", ">", "150"))
    form |= {
        "step_key": ["b1", "t1", "b1", "e1", "b1", "a1"],
        "step_type": ["branch", "action", "else", "action", "end", "action"],
        "step_action_t1": "tag_order",
        "step_param_t1_tags": "big",
        "step_action_e1": "order_note",
        "step_param_e1_note": "small",
        "step_action_a1": "tag_customer",
        "step_param_a1_tags": "seen",
    }
    return form | changes


EXPECTED = {
    "trigger": {"event": "order.created"},
    "conditions": {
        "all": [
            {"field": "order.financial_status", "op": "=", "value": "paid"},
            {
                "any": [
                    {"field": "order.total_price", "op": ">=", "value": "100"},
                    {"field": "order.gateway", "op": "=", "value": "manual"},
                ]
            },
        ]
    },
    "exit_conditions": {"any": [{"field": "order.cancelled", "op": "=", "value": True}]},
    "steps": [
        {
            "type": "branch",
            "if": {"all": [{"field": "order.total_price", "op": ">", "value": "150"}]},
            "then": [{"type": "action", "action": "tag_order", "params": {"tags": ["big"]}}],
            "else": [{"type": "action", "action": "order_note", "params": {"note": "small"}}],
        },
        {"type": "action", "action": "tag_customer", "params": {"tags": ["seen"]}},
    ],
}


def _post(client: FlaskClient, csrf: str, form: Any, url: str = "/automations/new") -> Any:
    return client.post(url, data=form, headers={"X-CSRF-Token": csrf})


def test_nested_groups_exit_rows_and_branch_are_saved_and_round_trip(
    client: FlaskClient,
) -> None:
    """Given rows for a nested group, an exit condition and an if/else step, when saved, then
    the definition nests them; posting the builder page back untouched makes no new version."""
    store = make_store()
    csrf = login(client, store)
    assert _post(client, csrf, _form()).status_code == 303
    automation = db.session.scalar(select(Automation))
    assert automation is not None
    definition = {k: v for k, v in automation.definition.items() if k != "schema_version"}
    assert definition == EXPECTED
    page = client.get(f"/automations/{automation.id}").get_data(as_text=True)
    assert "_json" not in page and 'data-testid="branch-step"' in page
    fields = form_fields(page)
    assert fields.getlist("cond_field").count("(open)") == 1 and fields["exit_match"] == "any"
    assert _post(client, csrf, fields, f"/automations/{automation.id}").status_code == 303
    db.session.expire_all()
    assert automation.version == 1 and count(AutomationVersion) == 1


def test_errors_in_nested_rows_point_at_their_input(client: FlaskClient) -> None:
    """Given a bad value in the nested group and in the branch's condition, when validated,
    then each error names its path and marks the input of its own row."""
    store = make_store()
    csrf = login(client, store)
    form = _form() | {"if_b1_value": "lots"}
    form["cond_value"] = ["paid", "", "many", "manual", ""]
    html = client.post("/automations/validate", data=form, headers={"X-CSRF-Token": csrf})
    text = html.get_data(as_text=True)
    assert "<code>conditions.all[1].any[0].value</code>" in text
    assert 'data-input="cond_value" data-nth="2"' in text
    assert "<code>steps[0].if.all[0].value</code>" in text
    assert 'data-input="if_b1_value" data-nth="0"' in text and "Step 1 · If 1 · value" in text


def test_an_error_inside_a_then_path_names_the_nested_step(client: FlaskClient) -> None:
    """Given a then step without its required tags, when saved, then the error names the path
    inside the branch and marks that step's input; nothing is saved."""
    store = make_store()
    csrf = login(client, store)
    reply = _post(client, csrf, _form(step_param_t1_tags=""))
    text = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "<code>steps[0].then[0].params.tags</code>" in text
    assert 'data-input="step_param_t1_tags"' in text and "Step 1 &gt; then 1" in text
    assert count(Automation) == 0
    assert form_fields(text).getlist("step_type") == _form()["step_type"]


def test_schedule_fields_follow_the_trigger(client: FlaskClient) -> None:
    """Given the trigger select, when it shows an event, then no schedule inputs are offered and
    posted ones are ignored; for the schedule trigger they are offered and stored."""
    store = make_store()
    csrf = login(client, store)
    event = client.get("/automations/schedule-fields?trigger_event=order.paid")
    schedule = client.get("/automations/schedule-fields?trigger_event=schedule.fired")
    assert "schedule_every" not in event.get_data(as_text=True)
    assert 'name="schedule_every"' in schedule.get_data(as_text=True)
    _post(client, csrf, _form(schedule_every="week", schedule_weekday="tue"))
    automation = db.session.scalar(select(Automation))
    assert automation is not None and automation.definition["trigger"] == {"event": "order.created"}
    page = client.get(f"/automations/{automation.id}").get_data(as_text=True)
    assert 'name="schedule_every"' not in page


def test_automation_page_shows_its_runs_and_counters(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an automation that matched one order and skipped another, when its page is shown,
    then it lists its run and counts one match and one skip."""
    store = make_store()
    definition = {k: v for k, v in EXPECTED.items() if k != "exit_conditions"}
    automation = make_automation(store, definition)
    deliver(store, "order", order_record(total_price="200.00"))
    deliver(store, "order", order_record(total_price="20.00", gateway="card"))
    run_jobs()
    login(client, store)
    page = client.get(f"/automations/{automation.id}").get_data(as_text=True)
    assert page.count('class="run-row"') == 1
    assert "1 matched" in page and "1 skipped: conditions did not hold" in page
    assert 'data-testid="runs-done"' in page


def test_a_thai_store_sees_the_builder_and_its_schema_errors_in_thai(client: FlaskClient) -> None:
    """Given a store whose panel speaks Thai, when the builder is shown and a nested row is
    refused, then the labels, the action names and the schema's reason are Thai."""
    store = make_store()
    store.settings = {"language": "th"}
    db.session.commit()
    csrf = login(client, store)
    page = client.get("/automations/new").get_data(as_text=True)
    row = client.get("/automations/step-row").get_data(as_text=True)
    assert "เพิ่ม ถ้า / มิฉะนั้น" in page and "ติดแท็กลูกค้า" in row
    form = _form()
    form["cond_value"] = ["paid", "", "many", "manual", ""]
    html = client.post("/automations/validate", data=form, headers={"X-CSRF-Token": csrf})
    text = html.get_data(as_text=True)
    assert "ต้องเป็นตัวเลข" in text and "เงื่อนไข 2 &gt; 1 · ค่า" in text
