"""One action registry: every table the engine, the schema and the builder use comes from it."""

from __future__ import annotations

from flask.testing import FlaskClient

from ecomapp.automation.registry import ACTIONS, actions_for
from ecomapp.automation.schema import ACTIONS as SCHEMA_ACTIONS
from ecomapp.automation.step_inputs import ACTION_INPUTS, ACTION_LABELS
from tests.automation_support import login
from tests.factories import make_store


def test_every_table_is_derived_from_the_registry() -> None:
    """Given the registry, then the schema's parameters, the builder's inputs and labels name
    the same actions in the same order, each with a handler and a label."""
    names = list(ACTIONS)
    assert list(SCHEMA_ACTIONS) == names == list(ACTION_INPUTS) == list(ACTION_LABELS)
    for action in ACTIONS.values():
        assert callable(action.handler) and action.label, action.name
        target, spec = SCHEMA_ACTIONS[action.name]
        assert target == action.target
        assert spec == {i.name: (i.schema_type, i.required) for i in action.inputs}


def test_the_builder_says_which_actions_the_platform_cannot_run(client: FlaskClient) -> None:
    """Given a Shopify store (its orders have no free status), when the builder adds an action
    step, then the order status action is offered marked as not available there, and on
    WooCommerce it is not."""
    shopify = make_store(platform="shopify", domain="toys.myshopify.com")
    login(client, shopify)
    page = client.get("/automations/step-row?type=action").get_data(as_text=True)
    assert "Change the order status (not on shopify)" in page
    assert "Tag the customer</option>" in page
    assert "set_order_status" not in {a.name for a in actions_for("shopify")}
    woo = make_store(platform="woocommerce", domain="shop.example")
    login(client, woo)
    page = client.get("/automations/step-row?type=action").get_data(as_text=True)
    assert "Change the order status</option>" in page
