"""One-click templates: each recipe turns a few editable parameters into a definition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecomapp.automation.schema import FieldError, InvalidAutomation
from ecomapp.i18n import N_


@dataclass(frozen=True)
class Param:
    """An editable recipe parameter."""

    name: str
    label: str
    default: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    """A named template with parameters and a builder."""

    key: str
    title: str
    description: str
    params: tuple[Param, ...]
    build: Callable[[dict[str, str]], dict[str, Any]]


def _action(name: str, **params: Any) -> dict[str, Any]:
    return {"type": "action", "action": name, "params": params}


def _welcome(p: dict[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"event": "customer.created"},
        "conditions": {
            "all": [
                {"field": "customer.has_account", "op": "=", "value": True},
                {"field": "customer.email", "op": "is_not_empty"},
            ]
        },
        "steps": [_action("send_email", template=p["template"])],
    }


def _vip(p: dict[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"event": "order.paid"},
        "conditions": {
            "all": [
                {"field": "order.first_order", "op": "=", "value": True},
                {"field": "order.total_price", "op": ">", "value": p["min_total"]},
            ]
        },
        "steps": [
            _action("add_to_group", group=p["group"]),
            _action("send_email", template="vip_welcome"),
        ],
    }


def parse_ranges(text: str) -> list[dict[str, Any]]:
    """Parse lines 'min-max = group' (max may be empty) into spend ranges."""
    ranges = []
    for i, line in enumerate(x.strip() for x in text.replace(";", "\n").splitlines()):
        if not line:
            continue
        bounds, sep, group = line.partition("=")
        low, dash, high = bounds.replace(",", "").partition("-")
        if not sep or not dash or not group.strip():
            raise InvalidAutomation(
                [FieldError(f"params.ranges[{i}]", f"write 'min-max = group', got {line!r}")]
            )
        ranges.append(
            {"min": low.strip() or "0", "max": high.strip() or None, "group": group.strip()}
        )
    return ranges


def _spend_groups(p: dict[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"event": "customer.spend_changed"},
        "steps": [_action("group_by_spend", ranges=parse_ranges(p["ranges"]))],
    }


def _b2b(p: dict[str, str]) -> dict[str, Any]:
    steps = [_action("tag_order", tags=[p["order_tag"]]), _action("add_to_group", group=p["group"])]
    if p.get("note"):
        steps.append(_action("order_note", note=p["note"]))
    return {
        "trigger": {"event": "order.created"},
        "conditions": {"all": [{"field": "customer.kind", "op": "=", "value": p["kind"]}]},
        "steps": steps,
    }


def _review(p: dict[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"event": "order.paid"},
        "exit_conditions": {
            "any": [
                {"field": "order.cancelled", "op": "=", "value": True},
                {
                    "field": "order.financial_status",
                    "op": "in",
                    "value": ["refunded", "partially_refunded", "voided"],
                },
            ]
        },
        "steps": [
            {"type": "wait", "days": p["days"]},
            _action("send_email", template="review_request"),
        ],
    }


def _low_stock(p: dict[str, str]) -> dict[str, Any]:
    threshold = "variant.low_stock_threshold"
    steps = [
        _action(
            "notify_merchant",
            channel="email",
            title="Low stock: {{ product.title }} ({{ variant.sku }})",
            message="{{ variant.sku }} is down to {{ variant.inventory_quantity }}"
            " (threshold {{ variant.low_stock_threshold }}).",
        )
    ]
    if p.get("webhook_url"):
        steps.append(
            _action("notify_merchant", channel="webhook", url=p["webhook_url"], title="Low stock")
        )
    return {
        "trigger": {"event": "inventory.changed"},
        "conditions": {
            "all": [
                {"field": threshold, "op": "is_not_empty"},
                {
                    "field": "variant.inventory_quantity",
                    "op": "changed",
                    "from": {"op": ">", "ref": threshold},
                    "to": {"op": "<=", "ref": threshold},
                },
            ]
        },
        "steps": steps,
    }


def _low_stock_demand(p: dict[str, str]) -> dict[str, Any]:
    crossing = _low_stock({})
    return crossing | {"steps": [_action("low_stock_demand", tag=p["tag"])]}


def _hide_sold_out(p: dict[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"schedule": {"every": "hour", "at": "00:15"}},
        "steps": [_action("hide_sold_out", after_days=int(p["after_days"]))],
    }


ORDER_RULE_FIELDS = (
    "order.line_items.vendor",
    "order.line_items.product_type",
    "order.line_items.product_id",
    "order.shipping_method",
    "order.gateway",
)


def _order_rule(p: dict[str, str]) -> dict[str, Any]:
    steps = []
    if p.get("tag"):
        steps.append(_action("tag_order", tags=[p["tag"]]))
    if p.get("status"):
        steps.append(_action("set_order_status", status=p["status"]))
    return {
        "trigger": {"event": "order.created"},
        "conditions": {"all": [{"field": p["field"], "op": "=", "value": p["value"]}]},
        "steps": steps,
    }


def _abandoned(p: dict[str, str]) -> dict[str, Any]:
    first, second = float(p["first_after_hours"]), float(p["second_after_hours"])
    quiet = float(p.get("abandoned_after_hours") or 1)
    steps: list[dict[str, Any]] = []
    if first > quiet:
        steps.append({"type": "wait", "hours": first - quiet})
    steps.append(_action("send_email", template="abandoned_cart", kind="cart_reminder"))
    if p.get("push_title"):
        push = {"title": p["push_title"], "body": "Your cart is waiting.", "kind": "marketing"}
        steps.append(_action("send_push", url="{{ cart.recovery_url }}", **push))
    steps.append({"type": "wait", "hours": max(second - max(first, quiet), 0.01)})
    steps.append(_action("send_email", template="abandoned_cart_second", kind="cart_reminder"))
    return {
        "trigger": {"event": "cart.abandoned"},
        "conditions": {"all": [{"field": "cart.item_count", "op": ">", "value": "0"}]},
        "exit_conditions": {"any": [{"field": "cart.converted", "op": "=", "value": True}]},
        "steps": steps,
    }


def _back_in_stock(p: dict[str, str]) -> dict[str, Any]:
    restocked = {"op": "changed", "from": {"op": "<=", "value": 0}, "to": {"op": ">", "value": 0}}
    return {
        "trigger": {"event": "inventory.changed"},
        "conditions": {"all": [{"field": "variant.inventory_quantity", **restocked}]},
        "steps": [_action("notify_back_in_stock", template=p["template"])],
    }


def _flag_suspicious(p: dict[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"event": "order.created"},
        "steps": [_action("screen_order_fraud", flag_at=p["flag_at"], tag=p["tag"])],
    }


def _hold_high_risk(p: dict[str, str]) -> dict[str, Any]:
    alert = {"alert_at": "high"} | ({"alert_url": p["alert_url"]} if p.get("alert_url") else {})
    step = _action("screen_order_fraud", flag_at="medium", hold_at="high", tag=p["tag"], **alert)
    return {"trigger": {"event": "order.created"}, "steps": [step]}


def _post_purchase(p: dict[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"event": "order.paid"},
        "exit_conditions": _review(p)["exit_conditions"],
        "steps": [
            {"type": "wait", "days": p["days"]},
            _action("send_recommendations", template="recommendations", count=p["count"]),
        ],
    }


def _welcome_subscribers(p: dict[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"event": "customer.subscribed"},
        "exit_conditions": {
            "any": [{"field": "customer.accepts_marketing", "op": "=", "value": False}]
        },
        "steps": [
            _action("send_email", template=p["template"]),
            {"type": "wait", "days": p["days"]},
            _action("send_email", template=p["followup_template"]),
        ],
    }


RECIPES: dict[str, Recipe] = {
    r.key: r
    for r in (
        Recipe(
            "welcome",
            N_("Welcome e-mail"),
            N_("Greet every new customer account by e-mail."),
            (Param("template", N_("E-mail template"), "welcome"),),
            _welcome,
        ),
        Recipe(
            "welcome_subscribers",
            "Welcome series for new subscribers",
            "When a shopper confirms a newsletter signup, e-mail a welcome at once and a"
            " follow-up some days later (stops if they unsubscribe).",
            (
                Param("template", "Welcome e-mail template", "welcome_subscriber"),
                Param("days", "Follow-up after (days)", "3"),
                Param("followup_template", "Follow-up e-mail template", "subscriber_followup"),
            ),
            _welcome_subscribers,
        ),
        Recipe(
            "first_order_vip",
            N_("First order above a value → VIP"),
            N_("A first order above the amount puts the customer in the VIP group."),
            (
                Param("min_total", N_("Minimum order total"), "200"),
                Param("group", N_("Group"), "VIP"),
            ),
            _vip,
        ),
        Recipe(
            "spend_groups",
            N_("Groups by lifetime spend"),
            N_("Keep each customer in the group of their lifetime spend range, as orders arrive."),
            (
                Param(
                    "ranges",
                    N_("Ranges (min-max = group, one per line)"),
                    "1000-3000 = group 1\n3000-5000 = group 2\n5000- = group 3",
                ),
            ),
            _spend_groups,
        ),
        Recipe(
            "b2b_routing",
            N_("B2B / B2C routing"),
            N_("Tag and group orders by customer kind (add it once per kind)."),
            (
                Param("kind", N_("Customer kind"), "b2b", ("b2b", "b2c")),
                Param("order_tag", N_("Order tag"), "wholesale"),
                Param("group", N_("Customer group"), "B2B"),
                Param("note", N_("Order note"), "Route to the wholesale team"),
            ),
            _b2b,
        ),
        Recipe(
            "review_request",
            N_("Review request"),
            N_("Ask for a review N days after purchase, unless refunded or cancelled."),
            (Param("days", N_("Days after purchase"), "30"),),
            _review,
        ),
        Recipe(
            "low_stock",
            N_("Low-stock alert"),
            N_("Tell the merchant when a variant crosses below its threshold (once per crossing)."),
            (Param("webhook_url", N_("Also POST to (optional URL)"), ""),),
            _low_stock,
        ),
        Recipe(
            "low_stock_demand",
            N_("Low-stock alert with demand"),
            N_(
                "When a variant crosses below its threshold, tag its product (removed on restock)"
                " and e-mail its sales pace, days of cover, customers waiting and what to reorder"
                " (lead time, safety days and the daily digest are in Settings)."
            ),
            (Param("tag", N_("Product tag"), "low-stock"),),
            _low_stock_demand,
        ),
        Recipe(
            "hide_sold_out",
            N_("Hide sold-out products"),
            N_(
                "Every hour, hide products sold out for N days with no restock planned; they are"
                " shown again on restock. Exemptions and Undo are on the Stock page."
            ),
            (Param("after_days", N_("Sold out for (days)"), "14"),),
            _hide_sold_out,
        ),
        Recipe(
            "order_rule",
            N_("Order tag / status rule"),
            N_("Tag an order or change its status by product, vendor, shipping or payment method."),
            (
                Param("field", N_("When"), "order.shipping_method", ORDER_RULE_FIELDS),
                Param("value", N_("Equals"), "Express"),
                Param("tag", N_("Tag the order"), "express"),
                Param("status", N_("Set status (optional)"), ""),
            ),
            _order_rule,
        ),
        Recipe(
            "abandoned_cart",
            N_("Abandoned-cart reminders"),
            N_(
                "E-mail after 1 h and 24 h, only for carts with items, under the store's cart"
                " reminder policy; stops the moment the cart converts."
            ),
            (
                Param("first_after_hours", N_("First e-mail after (hours)"), "1"),
                Param("second_after_hours", N_("Second e-mail after (hours)"), "24"),
                Param("push_title", N_("Also a push with the first e-mail (title, optional)"), ""),
            ),
            _abandoned,
        ),
        Recipe(
            "back_in_stock",
            N_("Back-in-stock notices"),
            N_(
                "When a variant comes back in stock, notify the shoppers waiting for it (e-mail or"
                " push, as each chose), oldest request first, no more than the units available."
            ),
            (Param("template", N_("E-mail template"), "back_in_stock"),),
            _back_in_stock,
        ),
        Recipe(
            "flag_suspicious_orders",
            N_("Flag suspicious orders"),
            N_(
                "Score each new order for fraud; from the level chosen, record the risk with its"
                " reasons on the order and tag it."
            ),
            (
                Param("flag_at", N_("Flag from level"), "medium", ("medium", "high")),
                Param("tag", N_("Order tag"), "fraud-review"),
            ),
            _flag_suspicious,
        ),
        Recipe(
            "hold_high_risk_orders",
            N_("Hold high-risk orders for review"),
            N_(
                "Score each new order for fraud; flag medium and high risk, and hold the"
                " fulfillment of high-risk orders (on-hold on WooCommerce) until reviewed, and"
                " alert the merchant by e-mail (and by a signed webhook when a URL is given)."
            ),
            (
                Param("tag", N_("Order tag"), "fraud-hold"),
                Param("alert_url", N_("Alert webhook URL"), ""),
            ),
            _hold_high_risk,
        ),
        Recipe(
            "post_purchase_recommendations",
            N_("Recommendations after a purchase"),
            N_(
                "N days after an order, e-mail products its buyers also bought (in stock, not"
                " bought yet); skipped when too few are good enough."
            ),
            (Param("days", N_("Days after the order"), "7"), Param("count", N_("Products"), "4")),
            _post_purchase,
        ),
    )
}


def build_recipe(key: str, values: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """Return (name, definition) of a recipe with the given parameter values."""
    recipe = RECIPES[key]
    params = {p.name: str(values.get(p.name, p.default)).strip() for p in recipe.params}
    for p in recipe.params:
        if p.choices and params[p.name] not in p.choices:
            raise InvalidAutomation(
                [FieldError(f"params.{p.name}", f"must be one of {', '.join(p.choices)}")]
            )
    try:
        return recipe.title, recipe.build(params)
    except (ValueError, TypeError) as exc:
        if isinstance(exc, InvalidAutomation):
            raise
        raise InvalidAutomation([FieldError("params", str(exc))]) from exc
