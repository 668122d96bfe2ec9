"""The builder's typed step fields: posted inputs become the step JSON the engine validates."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import RECIPES
from ecomapp.automation.schema import ACTIONS
from ecomapp.automation.step_inputs import ACTION_INPUTS
from ecomapp.extensions import db
from ecomapp.models import Automation, AutomationVersion, MailTemplate, Store
from tests.automation_support import count, login, make_automation
from tests.factories import make_store
from tests.form_support import form_fields

BASE = {"name": "Typed", "trigger_event": "order.paid", "match": "all"}


def _steps(*rows: dict[str, str]) -> dict[str, Any]:
    """Return builder form fields for action rows given as {"action": …, "<param>": text}."""
    form: dict[str, Any] = {"step_key": [], "step_type": []}
    for i, row in enumerate(rows):
        key = f"k{i}"
        form["step_key"].append(key)
        form["step_type"].append("action")
        form[f"step_action_{key}"] = row["action"]
        form |= {f"step_param_{key}_{k}": v for k, v in row.items() if k != "action"}
    return BASE | form


def _post(client: FlaskClient, csrf: str, form: dict[str, Any], url: str = "/automations/new"):
    return client.post(url, data=form, headers={"X-CSRF-Token": csrf})


def _builder_page(client: FlaskClient, automation: Automation) -> str:
    return client.get(f"/automations/{automation.id}").get_data(as_text=True)


def test_every_action_of_the_catalogue_has_typed_inputs() -> None:
    """Given the engine's action catalogue, when the builder describes inputs, then every action
    and every parameter has one."""
    assert set(ACTION_INPUTS) == set(ACTIONS)
    for action, (_, spec) in ACTIONS.items():
        assert {inp.name for inp in ACTION_INPUTS[action]} == set(spec), action


def test_typed_fields_are_stored_as_step_json(client: FlaskClient) -> None:
    """Given typed inputs for tags, e-mail, webhook, discount, risk and spend ranges, when saved,
    then the stored steps hold the parameters as the engine expects them."""
    store = make_store()
    csrf = login(client, store)
    form = _steps(
        {"action": "tag_customer", "tags": " vip,  repeat ,"},
        {"action": "send_email", "template": "vip_welcome", "kind": "marketing"},
        {"action": "notify_merchant", "channel": "webhook", "title": "Big order {{ order.name }}",
         "message": "line 1\r\nline 2", "url": "https://hooks.example.test/in"},
        {"action": "create_discount", "percent_off": "12.5", "amount_off": "", "prefix": "VIP",
         "expires_in_days": "14"},
        {"action": "flag_order_risk", "level": "high", "reasons": "address mismatch, new"},
        {"action": "group_by_spend", "ranges": "0-100 = bronze\r\n100- = gold"},
    )  # fmt: skip
    assert _post(client, csrf, form).status_code == 303
    steps = db.session.scalar(select(Automation)).definition["steps"]
    assert [s["params"] for s in steps] == [
        {"tags": ["vip", "repeat"]},
        {"template": "vip_welcome", "kind": "marketing"},
        {"channel": "webhook", "title": "Big order {{ order.name }}", "message": "line 1\nline 2",
         "url": "https://hooks.example.test/in"},
        {"percent_off": 12.5, "prefix": "VIP", "expires_in_days": 14},
        {"level": "high", "reasons": ["address mismatch", "new"]},
        {"ranges": [{"min": "0", "max": "100", "group": "bronze"},
                    {"min": "100", "max": None, "group": "gold"}]},
    ]  # fmt: skip


def test_default_kind_and_expiry_are_left_to_the_engine(client: FlaskClient) -> None:
    """Given a new e-mail step left on 'transactional', when saved, then no kind is stored."""
    store = make_store()
    csrf = login(client, store)
    form = _steps({"action": "send_email", "template": "welcome", "kind": "transactional"})
    _post(client, csrf, form)
    assert db.session.scalar(select(Automation)).definition["steps"][0]["params"] == {
        "template": "welcome"
    }


@pytest.mark.parametrize(
    ("row", "path", "reason", "label"),
    [
        ({"action": "flag_order_risk", "level": "extreme", "reasons": "x"},
         "steps[0].params.level", "must be one of low, medium, high", "Risk level"),
        ({"action": "create_discount", "percent_off": "lots"},
         "steps[0].params.percent_off", "must be a number, got &#39;lots&#39;", "Percent off"),
        ({"action": "create_discount", "percent_off": "120"},
         "steps[0].params.percent_off", "must be at most 100", "Percent off"),
        ({"action": "tag_order", "tags": " , "},
         "steps[0].params.tags", "is required", "Tags"),
        ({"action": "notify_merchant", "channel": "webhook", "title": "t", "url": ""},
         "steps[0].params.url", "is required for a webhook", "Webhook URL"),
        ({"action": "notify_merchant", "channel": "webhook", "title": "t", "url": "ftp://x"},
         "steps[0].params.url", "must be an http(s) URL", "Webhook URL"),
        ({"action": "send_email", "template": "no_such_template"},
         "steps[0].params.template", "unknown e-mail template", "E-mail template"),
        ({"action": "set_order_status", "status": "teleported"},
         "steps[0].params.status", "must be one of pending", "New status"),
    ],
)  # fmt: skip
def test_invalid_typed_value_is_refused_naming_its_input(
    client: FlaskClient, row: dict[str, str], path: str, reason: str, label: str
) -> None:
    """Given a bad value in one typed input, when saved, then 422 names the path, the field's
    label and the input to mark, and nothing is stored."""
    store = make_store()
    csrf = login(client, store)
    reply = _post(client, csrf, _steps(row))
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert f"<code>{path}</code>: {reason}" in page
    name = path.rsplit(".", 1)[1]
    assert f'data-input="step_param_k0_{name}"' in page and f"Step 1 · {label}" in page
    assert count(Automation) == 0


def test_refused_form_is_shown_again_as_typed(client: FlaskClient) -> None:
    """Given a refused save without htmx, when the builder comes back, then every typed value,
    condition and exit group is still there."""
    store = make_store()
    csrf = login(client, store)
    form = _steps(
        {"action": "order_note", "note": "Call {{ customer.first_name }}"},
        {"action": "create_discount", "percent_off": "lots", "prefix": "BACK"},
    ) | {"cond_field": "order.total_price", "cond_op": ">", "cond_value": "250"}
    form |= {"cond_quantifier": "any", "cond_extra": "", "exit_match": "any"}
    form |= {"exit_field": "order.cancelled", "exit_op": "=", "exit_value": "true"}
    form |= {"exit_quantifier": "any", "exit_extra": ""}
    page = _post(client, csrf, form).get_data(as_text=True)
    shown = form_fields(page)
    assert shown["cond_value"] == "250" and shown["exit_match"] == "any"
    assert shown["exit_field"] == "order.cancelled" and shown["exit_value"] == "true"
    assert shown["step_param_k0_note"] == "Call {{ customer.first_name }}"
    assert shown["step_param_k1_percent_off"] == "lots" and shown["step_param_k1_prefix"] == "BACK"


def test_inline_validation_marks_the_typed_input(client: FlaskClient) -> None:
    """Given the builder's change-time validation, when a webhook has no URL, then the partial
    names the URL input for the page to mark."""
    store = make_store()
    csrf = login(client, store)
    form = _steps({"action": "notify_merchant", "channel": "webhook", "title": "t"})
    reply = client.post("/automations/validate", data=form, headers={"X-CSRF-Token": csrf})
    assert 'data-input="step_param_k0_url"' in reply.get_data(as_text=True)


def test_condition_errors_point_at_their_row(client: FlaskClient) -> None:
    """Given a second condition with a non-numeric value, when validated, then the partial
    points at the second value input."""
    store = make_store()
    csrf = login(client, store)
    form = _steps({"action": "tag_order", "tags": "x"}) | {
        "cond_field": ["order.currency", "order.total_price"],
        "cond_op": ["=", ">"],
        "cond_value": ["EUR", "lots"],
        "cond_quantifier": ["any", "any"],
        "cond_extra": ["", ""],
    }
    html = client.post("/automations/validate", data=form, headers={"X-CSRF-Token": csrf})
    assert 'data-input="cond_value" data-nth="1"' in html.get_data(as_text=True)


RECIPE_VALUES = {"low_stock": {"webhook_url": "https://hooks.example.test/stock"}}


@pytest.mark.parametrize("key", sorted(RECIPES))
def test_recipe_automation_round_trips_through_the_builder(client: FlaskClient, key: str) -> None:
    """Given an automation made from a recipe, when its builder page is posted back untouched,
    then the definition is identical and no new version is made."""
    store = make_store()
    csrf = login(client, store)
    made = _post(client, csrf, RECIPE_VALUES.get(key, {}), f"/automations/recipes/{key}")
    assert made.status_code == 303
    automation = db.session.scalar(select(Automation))
    before = automation.definition
    fields = form_fields(_builder_page(client, automation))
    assert fields.getlist("step_key") and "step_params" not in fields
    assert _post(client, csrf, fields, f"/automations/{automation.id}").status_code == 303
    db.session.expire_all()
    assert automation.definition == before and automation.version == 1
    assert count(AutomationVersion) == 1


EVERY_ORDER_ACTION = {
    "trigger": {"event": "order.paid"},
    "steps": [
        {"type": "action", "action": "tag_customer", "params": {"tags": ["a", "b"]}},
        {"type": "action", "action": "untag_customer", "params": {"tags": ["c"]}},
        {"type": "action", "action": "tag_order", "params": {"tags": ["d"]}},
        {"type": "action", "action": "untag_order", "params": {"tags": ["e"]}},
        {"type": "action", "action": "order_note", "params": {"note": "two\nlines"}},
        {"type": "action", "action": "set_order_status", "params": {"status": "completed"}},
        {"type": "wait", "days": 1, "hours": 2},
        {"type": "action", "action": "hold_fulfillment", "params": {"reason": "check"}},
        {"type": "action", "action": "flag_order_risk",
         "params": {"level": "medium", "reasons": ["x"]}},
        {"type": "action", "action": "add_to_group",
         "params": {"group": "VIP", "replace": ["Old"]}},
        {"type": "action", "action": "group_by_spend",
         "params": {"ranges": [{"min": 0, "max": 50.5, "group": "low"}]}},
        {"type": "action", "action": "notify_merchant",
         "params": {"channel": "email", "title": "Hi", "message": ""}},
        {"type": "action", "action": "send_email",
         "params": {"template": "winback", "kind": "transactional"}},
        {"type": "action", "action": "create_discount",
         "params": {"percent_off": "10", "amount_off": 5, "expires_in_days": 7.0}},
        {"type": "wait", "until": "09:30"},
    ],
}  # fmt: skip
EVERY_PRODUCT_ACTION = {
    "trigger": {"event": "product.updated"},
    "steps": [
        {"type": "action", "action": "publish_product", "params": {}},
        {"type": "action", "action": "unpublish_product"},
    ],
}


@pytest.mark.parametrize("definition", [EVERY_ORDER_ACTION, EVERY_PRODUCT_ACTION])
def test_every_action_round_trips_with_its_stored_types(
    client: FlaskClient, definition: dict[str, Any]
) -> None:
    """Given a hand-written definition using every action (numbers as texts, ints and floats),
    when its builder page is posted back untouched, then nothing changes."""
    store = make_store()
    automation = make_automation(store, definition)
    before = automation.definition
    csrf = login(client, store)
    fields = form_fields(_builder_page(client, automation))
    assert _post(client, csrf, fields, f"/automations/{automation.id}").status_code == 303
    db.session.expire_all()
    assert automation.definition == before and automation.version == 1


def test_changing_one_typed_field_makes_a_new_version(client: FlaskClient) -> None:
    """Given a recipe automation in the builder, when the e-mail template is changed, then
    version 2 holds the new template and the rest is unchanged."""
    store = make_store()
    csrf = login(client, store)
    _post(client, csrf, {}, "/automations/recipes/first_order_vip")
    automation = db.session.scalar(select(Automation))
    fields = form_fields(_builder_page(client, automation))
    key = fields.getlist("step_key")[1]
    fields[f"step_param_{key}_template"] = "thank_you"
    _post(client, csrf, fields, f"/automations/{automation.id}")
    db.session.expire_all()
    assert automation.version == 2
    steps = automation.definition["steps"]
    assert steps[1]["params"] == {"template": "thank_you"} and steps[0]["params"] == {
        "group": "VIP"
    }


def test_builder_has_no_json_box_and_ignores_a_posted_one(client: FlaskClient) -> None:
    """Given the builder, when it is shown and a JSON step box is posted anyway, then no textarea
    holds JSON and the typed fields win."""
    store = make_store()
    csrf = login(client, store)
    form = _steps({"action": "tag_order", "tags": "typed"}) | {
        "step_json_k0": '{"tags": ["from-json"]}'
    }
    _post(client, csrf, form)
    automation = db.session.scalar(select(Automation))
    assert automation.definition["steps"][0]["params"] == {"tags": ["typed"]}
    page = _builder_page(client, automation)
    assert "exit_json" not in page and "step_json" not in page and "as JSON" not in page


def test_action_switch_returns_that_actions_inputs(client: FlaskClient) -> None:
    """Given a row switched to 'send e-mail', when the partial is asked, then it returns the
    template select (with the store's customised template marked) and the kind select."""
    store = make_store()
    db.session.add(MailTemplate(store_id=store.id, key="winback", subject="s", html="h"))
    db.session.commit()
    login(client, store)
    page = client.get("/automations/step-params?step_key=r1&step_action_r1=send_email")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<select name="step_param_r1_template"' in html
    assert '<option value="welcome" >Welcome a new customer</option>' in html
    assert "Win back a lapsed customer (customised)" in html
    assert 'name="step_param_r1_kind"' in html and 'name="step_param_r1_tags"' not in html


def test_action_switch_keeps_values_of_shared_parameters(client: FlaskClient) -> None:
    """Given tags typed for 'tag customer', when the row switches to 'tag order', then the tags
    stay; a switch to the discount action shows number inputs with their bounds."""
    store = make_store()
    login(client, store)
    query = "step_key=r1&step_param_r1_tags=vip%2C+repeat"
    html = client.get(f"/automations/step-params?{query}&step_action_r1=tag_order").get_data(
        as_text=True
    )
    assert 'name="step_param_r1_tags" data-testid="step_param_r1_tags" value="vip, repeat"' in html
    html = client.get(f"/automations/step-params?{query}&step_action_r1=create_discount").get_data(
        as_text=True
    )
    assert 'type="number" step="any" name="step_param_r1_percent_off"' in html
    assert 'min="0" max="100"' in html and 'value="30"' in html


def test_action_switch_needs_a_well_formed_row_key(client: FlaskClient) -> None:
    """Given a switch request without a usable row key, when asked, then 400."""
    login(client, make_store())
    reply = client.get('/automations/step-params?step_key=a"b&step_action_a"b=send_email')
    assert reply.status_code == 400


def test_step_kind_switch_returns_a_wait_row(client: FlaskClient) -> None:
    """Given an action row switched to 'wait', when the row partial is asked, then the same row
    key comes back with a wait input and no action inputs."""
    login(client, make_store())
    html = client.get("/automations/step-row?step_key=r2&step_type=wait").get_data(as_text=True)
    assert 'name="step_wait_r2"' in html and "step_action_r2" not in html


def test_typed_save_without_csrf_is_refused(client: FlaskClient) -> None:
    """Given a recipe automation, when its typed fields are posted without the CSRF token,
    then 403 and the definition is unchanged."""
    store = make_store()
    csrf = login(client, store)
    _post(client, csrf, {}, "/automations/recipes/welcome")
    automation = db.session.scalar(select(Automation))
    fields = form_fields(_builder_page(client, automation))
    fields.pop("csrf_token")
    fields[f"step_param_{fields.getlist('step_key')[0]}_template"] = "winback"
    assert client.post(f"/automations/{automation.id}", data=fields).status_code == 403
    db.session.expire_all()
    assert automation.definition["steps"][0]["params"] == {"template": "welcome"}


def test_another_store_cannot_load_or_save_through_the_builder(client: FlaskClient) -> None:
    """Given store A's automation and customised template, when store B's merchant loads or
    posts typed fields to it, then 404, nothing changes, and B's template list is B's."""
    store_a, store_b = make_store(name="Shop A"), make_store(name="Shop B")
    db.session.add(MailTemplate(store_id=store_a.id, key="winback", subject="s", html="h"))
    automation = make_automation(
        store_a,
        {
            "trigger": {"event": "order.paid"},
            "steps": [{"type": "action", "action": "tag_order", "params": {"tags": ["a"]}}],
        },
    )
    csrf = login(client, store_b)
    assert client.get(f"/automations/{automation.id}").status_code == 404
    form = _steps({"action": "tag_order", "tags": "stolen"})
    assert _post(client, csrf, form, f"/automations/{automation.id}").status_code == 404
    db.session.expire_all()
    assert automation.definition["steps"][0]["params"] == {"tags": ["a"]}
    assert db.session.scalar(select(Automation.store_id)) == store_a.id
    html = client.get("/automations/step-params?step_key=r&step_action_r=send_email").get_data(
        as_text=True
    )
    assert "(customised)" not in html
    assert count(Automation, Automation.store_id == store_b.id) == 0
    assert db.session.get(Store, store_b.id) is not None
