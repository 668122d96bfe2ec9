"""Every automation action, declared once: name, label, typed inputs, handler, backtest record.

How to declare an action (converting one written the old way is the same steps):
1. Write its handler in `ecomapp/automation/actions.py` (or a module of its own):
   `def _my_action(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]`, which performs
   the effect through the platform adapter or the mailer, with `ctx.key` as idempotency key, and
   returns what it did (stored in the effect ledger and shown in the run log).
2. Add one `Action(...)` to `ACTIONS` below: `name` (stable, stored in definitions), `label`
   (the builder's choice), `target` (the snapshot object it acts on, or None), `inputs` (one
   `Input` per parameter: schema type `kind`, `required`, and how the builder shows it),
   `handler`, and optionally `record` (extra fields a dry run or backtest records, computed
   without side effects) and `platforms` (the platforms whose adapter supports it; None = all).
3. Cross-field rules that one input cannot express go in `schema._action_rules`.
Nothing else: the schema's parameter table, the builder's inputs and labels, the live effect
layer's dispatch and the builder's action list are all derived from `ACTIONS`. Remove the old
entries from `HANDLERS`, `schema.ACTIONS`, `ACTION_INPUTS` and `ACTION_LABELS` when converting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecomapp.automation import actions as run
from ecomapp.automation.effects import StepContext, discount_code
from ecomapp.automation.fraud_screening import screen_order_fraud
from ecomapp.i18n import N_
from ecomapp.inventory.back_in_stock_action import notify_back_in_stock
from ecomapp.inventory.low_stock import low_stock_demand
from ecomapp.inventory.visibility import hide_sold_out_action
from ecomapp.push.action import send_push
from ecomapp.recommendations.mail import send_recommendations

Handler = Callable[[StepContext, dict[str, Any]], dict[str, Any]]
ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
)
TEMPLATE_HELP = N_("may use {{ order.name }}, {{ customer.first_name }} …")


@dataclass(frozen=True)
class Input:
    """One parameter of an action: its schema type and how the builder shows it."""

    name: str
    label: str
    widget: str  # text | tags | textarea | ranges | url | number | select | template
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""  # what the engine assumes when the parameter is absent
    help: str = ""
    minimum: int | None = None
    maximum: int | None = None
    kind: str = ""  # the schema's type (text, tags, risk, ranges, …); defaults to the widget's
    required: bool = False

    @property
    def schema_type(self) -> str:
        """Return the type the schema checks the parameter's value against."""
        return self.kind or WIDGET_TYPES.get(self.widget, "text")


# The schema type of a widget when an input does not name one.
WIDGET_TYPES = {"tags": "tags", "ranges": "ranges", "url": "url", "number": "number"}


@dataclass(frozen=True)
class Action:
    """One action: what it is called, what it needs, what it does live and in a backtest."""

    name: str
    label: str
    target: str | None
    inputs: tuple[Input, ...]
    handler: Handler
    record: Callable[[StepContext, dict[str, Any]], dict[str, Any]] | None = None
    platforms: frozenset[str] | None = None  # None: every platform's adapter supports it

    def supported_on(self, platform: str) -> bool:
        """Return True when a store on this platform can run the action."""
        return self.platforms is None or platform in self.platforms


def pairs(*values: str) -> tuple[tuple[str, str], ...]:
    """Return select choices whose value is also their label."""
    return tuple((v, v) for v in values)


def _discount_record(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"code": discount_code(ctx, params)}


TAGS = Input(
    "tags", N_("Tags"), "tags", help=N_("comma-separated, e.g. vip, repeat"), required=True
)
RISK = pairs("low", "medium", "high")
HOLD_LEVELS = (("", N_("Never")), *pairs("medium", "high"))
CHANNELS = (("email", N_("E-mail to the store")), ("webhook", N_("Signed POST to a URL")))
KINDS = (
    ("transactional", N_("Transactional")),
    ("marketing", N_("Marketing (needs consent)")),
    ("cart_reminder", N_("Cart reminder (the store's cart reminder policy)")),
)
MARKETING_FIRST = (
    ("marketing", N_("Marketing (needs consent)")),
    ("transactional", N_("Transactional")),
)
PUSH_KINDS = (
    ("marketing", N_("Marketing (quiet hours, frequency cap)")),
    ("transactional", N_("Transactional")),
)
_ACTIONS = (
    Action("tag_customer", N_("Tag the customer"), "customer", (TAGS,), run.tags("customer", True)),
    Action(
        "untag_customer",
        N_("Remove customer tags"),
        "customer",
        (TAGS,),
        run.tags("customer", False),
    ),
    Action("tag_order", N_("Tag the order"), "order", (TAGS,), run.tags("order", True)),
    Action("untag_order", N_("Remove order tags"), "order", (TAGS,), run.tags("order", False)),
    Action(
        "order_note",
        N_("Add an order note"),
        "order",
        (Input("note", N_("Note"), "textarea", help=TEMPLATE_HELP, required=True),),
        run.note,
    ),
    Action(
        "set_order_status",
        N_("Change the order status"),
        "order",
        (Input("status", N_("New status"), "select", pairs(*ORDER_STATUSES), required=True),),
        run.status,
        platforms=frozenset({"woocommerce", "demo"}),  # Shopify orders have no free status
    ),
    Action(
        "hold_fulfillment",
        N_("Hold fulfillment"),
        "order",
        (Input("reason", N_("Reason"), "text", required=True),),
        run.hold,
    ),
    Action(
        "flag_order_risk",
        N_("Flag order risk"),
        "order",
        (
            Input("level", N_("Risk level"), "select", RISK, kind="risk", required=True),
            Input("reasons", N_("Reasons"), "tags", help=N_("comma-separated"), required=True),
        ),
        run.risk,
    ),
    Action(
        "add_to_group",
        N_("Add to a customer group"),
        "customer",
        (
            Input("group", N_("Group"), "text", help=N_("groups are customer tags"), required=True),
            Input(
                "replace", N_("Leave these groups"), "tags", help=N_("optional, comma-separated")
            ),
        ),
        run.group,
    ),
    Action(
        "group_by_spend",
        N_("Group by lifetime spend"),
        "customer",
        (
            Input(
                "ranges",
                N_("Spend ranges"),
                "ranges",
                help=N_("one per line: min-max = group (max optional)"),
                required=True,
            ),
        ),
        run.group_by_spend,
    ),
    Action(
        "notify_merchant",
        N_("Notify the merchant"),
        None,
        (
            Input("channel", N_("Send by"), "select", CHANNELS, kind="channel", required=True),
            Input("title", N_("Title"), "text", help=TEMPLATE_HELP, required=True),
            Input("message", N_("Message"), "textarea"),
            Input("url", N_("Webhook URL"), "url", help=N_("for a signed POST only")),
        ),
        run.notify,
    ),
    Action(
        "send_email",
        N_("Send an e-mail"),
        "customer",
        (
            Input("template", N_("E-mail template"), "template", required=True),
            Input("kind", N_("Kind"), "select", KINDS, default="transactional", kind="kind"),
        ),
        run.email,
    ),
    Action(
        "create_discount",
        N_("Create a discount code"),
        "customer",
        (
            Input("percent_off", N_("Percent off"), "number", minimum=0, maximum=100, kind="money"),
            Input(
                "amount_off",
                N_("Amount off"),
                "number",
                minimum=0,
                help=N_("or a fixed amount"),
                kind="money",
            ),
            Input("prefix", N_("Code prefix"), "text"),
            Input("expires_in_days", N_("Expires after (days)"), "number", default="30", minimum=1),
        ),
        run.discount,
        record=_discount_record,
    ),
    Action("publish_product", N_("Publish the product"), "product", (), run.publish(True)),
    Action("unpublish_product", N_("Unpublish the product"), "product", (), run.publish(False)),
    Action(
        "screen_order_fraud",
        N_("Screen the order for fraud"),
        "order",
        (
            Input("flag_at", N_("Flag from level"), "select", RISK, kind="risk"),
            Input("hold_at", N_("Hold from level"), "select", HOLD_LEVELS, kind="risk"),
            Input("tag", N_("Order tag"), "text", help=N_("optional; default fraud-risk-<level>")),
            Input("alert_at", N_("Alert me from level"), "select", HOLD_LEVELS, kind="risk"),
            Input(
                "alert_url", N_("Also POST the alert to"), "url", help=N_("optional signed webhook")
            ),
        ),
        screen_order_fraud,
    ),
    Action(
        "send_recommendations",
        N_("E-mail recommendations for the order"),
        "order",
        (
            Input("template", N_("E-mail template"), "template", default="recommendations"),
            Input("count", N_("Products"), "number", default="4", minimum=1, maximum=12),
            Input("kind", N_("Kind"), "select", MARKETING_FIRST, default="marketing", kind="kind"),
        ),
        send_recommendations,
    ),
    Action(
        "send_push",
        N_("Send a push notification"),
        "customer",
        (
            Input("title", N_("Title"), "text", help=TEMPLATE_HELP, required=True),
            Input("body", N_("Body"), "textarea"),
            Input("url", N_("Opens (URL)"), "text", help=N_("may use {{ cart.recovery_url }} …")),
            Input("icon", N_("Icon (URL)"), "text", help=N_("optional")),
            Input("kind", N_("Kind"), "select", PUSH_KINDS, default="marketing", kind="kind"),
        ),
        send_push,
    ),
    Action(
        "notify_back_in_stock",
        N_("Notify shoppers waiting for it (back in stock)"),
        "variant",
        (
            Input("template", N_("E-mail template"), "template", default="back_in_stock"),
            Input(
                "push_title", N_("Push title"), "text", help=N_("optional; {{ product.title }} …")
            ),
            Input("push_body", N_("Push body"), "textarea", help=N_("optional")),
        ),
        notify_back_in_stock,
    ),
    Action(
        "low_stock_demand",
        N_("Tag low stock and alert with demand figures"),
        "variant",
        (
            Input(
                "tag", N_("Product tag"), "text", default="low-stock", help=N_("removed on restock")
            ),
        ),
        low_stock_demand,
    ),
    Action(
        "hide_sold_out",
        N_("Hide products sold out for N days"),
        None,
        (
            Input(
                "after_days",
                N_("Sold out for (days)"),
                "number",
                default="14",
                minimum=1,
                required=True,
            ),
        ),
        hide_sold_out_action,
    ),
)
ACTIONS: dict[str, Action] = {action.name: action for action in _ACTIONS}


def get_action(name: str) -> Action:
    """Return the declared action `name` (KeyError when there is none)."""
    return ACTIONS[name]


def actions_for(platform: str | None = None) -> list[Action]:
    """Return the actions in declaration order, only those a platform supports when given."""
    return [a for a in ACTIONS.values() if platform is None or a.supported_on(platform)]
