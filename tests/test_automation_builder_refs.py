"""The builder edits `ref` conditions (field against field) and `changed` ones as rows, no JSON."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from ecomapp.automation.recipes import RECIPES, build_recipe
from ecomapp.extensions import db
from ecomapp.models import Automation, AutomationVersion
from tests.automation_support import count, login, make_automation
from tests.factories import make_store
from tests.form_support import form_fields

SECTIONS = ("cond_", "exit_", "if_")
RECIPE_VALUES = {"low_stock": {"webhook_url": "https://hooks.example.test/stock"}}
TAG = [{"type": "action", "action": "tag_order", "params": {"tags": ["x"]}}]
MIXED = {
    "trigger": {"event": "order.paid"},
    "conditions": {
        "all": [
            {"field": "order.total_price", "op": ">", "ref": "customer.total_spent"},
            {
                "any": [
                    {"field": "order.line_items.vendor", "quantifier": "all", "op": "=",
                     "ref": "customer.company"},
                    {"field": "order.shipping_city", "op": "!=", "ref": "order.billing_city"},
                ]
            },
        ]
    },
    "exit_conditions": {
        "any": [{"field": "customer.total_spent", "op": "changed",
                 "to": {"op": ">=", "value": 500}}]
    },
    "steps": [
        {
            "type": "branch",
            "if": {"all": [{"field": "customer.accepts_marketing", "op": "changed",
                            "from": {"op": "=", "value": False}}]},
            "then": TAG,
            "else": [],
        }
    ],
}  # fmt: skip


def _page(client: FlaskClient, automation: Automation) -> str:
    return client.get(f"/automations/{automation.id}").get_data(as_text=True)


def _save(client: FlaskClient, csrf: str, form: Any, url: str = "/automations/new") -> Any:
    return client.post(url, data=form, headers={"X-CSRF-Token": csrf})


def _round_trip(client: FlaskClient, definition: dict[str, Any]) -> tuple[Automation, Any]:
    """Save a definition, post its builder page back untouched; return it and the posted form."""
    store = make_store()
    csrf = login(client, store)
    automation = make_automation(store, definition)
    before = automation.definition
    fields = form_fields(_page(client, automation))
    assert _save(client, csrf, fields, f"/automations/{automation.id}").status_code == 303
    db.session.expire_all()
    assert automation.definition == before and automation.version == 1
    assert count(AutomationVersion) == 1
    return automation, fields


@pytest.mark.parametrize("key", sorted(RECIPES))
def test_every_recipe_round_trips_without_carried_structures(client: FlaskClient, key: str) -> None:
    """Given an automation built from a recipe, when its builder page is posted back untouched,
    then the definition is identical, and nothing was carried as JSON or hidden structure."""
    _name, definition = build_recipe(key, RECIPE_VALUES.get(key, {}))
    _automation, fields = _round_trip(client, definition)
    conditions = [(n, v) for n, v in fields.items(multi=True) if n.startswith(SECTIONS)]
    assert not [n for n, _v in conditions if n.endswith("_extra")]
    assert not [v for _n, v in conditions if v.lstrip().startswith(("{", "["))]


def test_refs_and_changed_sides_round_trip_in_every_section(client: FlaskClient) -> None:
    """Given refs (top level, quantified, nested) and changed sides in exits and a branch,
    when the builder page is posted back untouched, then nothing changes."""
    automation, fields = _round_trip(client, MIXED)
    assert fields.getlist("cond_ref_" + fields.getlist("cond_key")[0]) == ["customer.total_spent"]
    assert automation.definition["exit_conditions"] == MIXED["exit_conditions"]


def _rows(**keyed: str) -> MultiDict[str, str]:
    """Return a form with one condition row (key r1) and one action step."""
    form: MultiDict[str, str] = MultiDict({"name": "Refs", "trigger_event": "inventory.changed"})
    form.add("match", "all")
    for name, value in (("key", "r1"), ("quantifier", "any"), ("value", "")):
        form.add(f"cond_{name}", value)
    form.add("cond_field", "variant.inventory_quantity")
    form.add("cond_op", "changed")
    for name, value in keyed.items():
        form.add(f"cond_{name}_r1", value)
    form.add("step_key", "s1")
    form.add("step_type", "action")
    form.add("step_action_s1", "notify_back_in_stock")
    form.add("step_param_s1_template", "back_in_stock")
    return form


def test_changed_with_a_to_value_and_a_from_ref_is_saved_from_rows(client: FlaskClient) -> None:
    """Given a changed row whose from side compares with a field and whose to side with a value,
    when it is saved, then the stored condition has both sides and no value of its own."""
    csrf = login(client, make_store())
    form = _rows(
        from_op=">", from_cmp="field", from_ref="variant.low_stock_threshold",
        to_op="<=", to_cmp="value", to_value="3",
    )  # fmt: skip
    assert _save(client, csrf, form).status_code == 303
    stored = db.session.scalars(db.select(Automation)).one().definition["conditions"]
    assert stored == {
        "all": [
            {
                "field": "variant.inventory_quantity",
                "op": "changed",
                "from": {"op": ">", "ref": "variant.low_stock_threshold"},
                "to": {"op": "<=", "value": 3},
            }
        ]
    }


def test_a_bad_to_value_names_its_path_and_marks_its_input(client: FlaskClient) -> None:
    """Given a changed row whose to value is not a number, when it is validated, then the error
    names conditions.all[0].to.value and points at that side's value input."""
    csrf = login(client, make_store())
    form = _rows(to_op=">", to_cmp="value", to_value="lots")
    html = _save(client, csrf, form, "/automations/validate").get_data(as_text=True)
    assert "conditions.all[0].to.value" in html
    assert 'data-input="cond_to_value_r1"' in html


def test_a_ref_of_another_trigger_or_type_is_refused_at_its_picker(client: FlaskClient) -> None:
    """Given refs to a cart field (not on an order trigger) and to a text field, when saved,
    then each error names the ref path and the row's field picker."""
    csrf = login(client, make_store())
    form = MultiDict({"name": "Bad", "trigger_event": "order.paid", "match": "all"})
    for key, ref in (("a1", "cart.total_price"), ("a2", "order.gateway")):
        for name, value in (("key", key), ("field", "order.total_price"), ("op", ">")):
            form.add(f"cond_{name}", value)
        form.add("cond_value", "")
        form.add("cond_quantifier", "any")
        form |= {f"cond_cmp_{key}": "field", f"cond_ref_{key}": ref}
    html = _save(client, csrf, form, "/automations/validate").get_data(as_text=True)
    assert "conditions.all[0].ref" in html and 'data-input="cond_ref_a1"' in html
    assert "not available for this trigger" in html
    assert "conditions.all[1].ref" in html and 'data-input="cond_ref_a2"' in html


def _options(html: str, name: str) -> list[str]:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no select {name}"
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1))


def test_compare_switch_offers_only_compatible_fields_of_the_trigger(client: FlaskClient) -> None:
    """Given an order total row switched to "another field", when its operand is asked for,
    then the picker lists numbers of the order and customer only."""
    login(client, make_store())
    query = "prefix=cond&key=r1&cond_field=order.total_price&cond_op=%3E&cond_cmp_r1=field"
    html = client.get(f"/automations/condition-operand?{query}&trigger_event=order.paid")
    refs = _options(html.get_data(as_text=True), "cond_ref_r1")
    assert "customer.total_spent" in refs and "order.line_count" in refs
    assert "order.total_price" not in refs and "order.gateway" not in refs
    assert not [r for r in refs if r.startswith(("cart.", "variant."))]


def test_changed_operator_swaps_the_value_for_from_and_to(client: FlaskClient) -> None:
    """Given a row switched to changed, when its operand is asked for, then it shows a from and
    a to comparison and no value box; a side with an operator gets its own value box."""
    login(client, make_store())
    query = "prefix=exit&key=r2&exit_field=customer.total_spent&exit_op=changed&exit_to_op_r2=%3E"
    html = client.get(f"/automations/condition-operand?{query}").get_data(as_text=True)
    assert 'name="exit_from_op_r2"' in html and 'name="exit_to_op_r2"' in html
    assert 'name="exit_to_value_r2"' in html and 'name="exit_from_value_r2"' not in html
    assert 'type="text" name="exit_value"' not in html


def test_operand_needs_a_well_formed_key(client: FlaskClient) -> None:
    """Given a malformed row key, when an operand is asked for, then it is refused."""
    login(client, make_store())
    assert client.get("/automations/condition-operand?key=%22%3E").status_code == 400
