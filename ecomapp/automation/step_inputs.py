"""The builder's typed inputs for each action's parameters, and their text <-> value rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ecomapp.automation.recipes import parse_ranges
from ecomapp.automation.schema import ACTIONS, InvalidAutomation

ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
)


@dataclass(frozen=True)
class Input:
    """One typed form input for an action parameter (`name` is the schema's param name)."""

    name: str
    label: str
    widget: str  # text | tags | textarea | ranges | url | number | select | template
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""  # what the engine assumes when the parameter is absent
    help: str = ""
    minimum: int | None = None
    maximum: int | None = None


class BadInput(ValueError):
    """A typed input's text cannot become the parameter value; `suffix` extends its path."""

    def __init__(self, reason: str, suffix: str = "") -> None:
        super().__init__(reason)
        self.reason, self.suffix = reason, suffix


def _pairs(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


_TEMPLATE_HELP = "may use {{ order.name }}, {{ customer.first_name }} …"
TAGS = Input("tags", "Tags", "tags", help="comma-separated, e.g. vip, repeat")
ACTION_INPUTS: dict[str, tuple[Input, ...]] = {
    "tag_customer": (TAGS,),
    "untag_customer": (TAGS,),
    "tag_order": (TAGS,),
    "untag_order": (TAGS,),
    "order_note": (Input("note", "Note", "textarea", help=_TEMPLATE_HELP),),
    "set_order_status": (Input("status", "New status", "select", _pairs(*ORDER_STATUSES)),),
    "hold_fulfillment": (Input("reason", "Reason", "text"),),
    "flag_order_risk": (
        Input("level", "Risk level", "select", _pairs("low", "medium", "high")),
        Input("reasons", "Reasons", "tags", help="comma-separated"),
    ),
    "add_to_group": (
        Input("group", "Group", "text", help="groups are customer tags"),
        Input("replace", "Leave these groups", "tags", help="optional, comma-separated"),
    ),
    "group_by_spend": (
        Input(
            "ranges", "Spend ranges", "ranges", help="one per line: min-max = group (max optional)"
        ),
    ),
    "notify_merchant": (
        Input(
            "channel",
            "Send by",
            "select",
            (("email", "E-mail to the store"), ("webhook", "Signed POST to a URL")),
        ),
        Input("title", "Title", "text", help=_TEMPLATE_HELP),
        Input("message", "Message", "textarea"),
        Input("url", "Webhook URL", "url", help="for a signed POST only"),
    ),
    "send_email": (
        Input("template", "E-mail template", "template"),
        Input(
            "kind",
            "Kind",
            "select",
            (("transactional", "Transactional"), ("marketing", "Marketing (needs consent)")),
            default="transactional",
        ),
    ),
    "create_discount": (
        Input("percent_off", "Percent off", "number", minimum=0, maximum=100),
        Input("amount_off", "Amount off", "number", minimum=0, help="or a fixed amount"),
        Input("prefix", "Code prefix", "text"),
        Input("expires_in_days", "Expires after (days)", "number", default="30", minimum=1),
    ),
    "publish_product": (),
    "unpublish_product": (),
    "screen_order_fraud": (
        Input("flag_at", "Flag from level", "select", _pairs("low", "medium", "high")),
        Input("hold_at", "Hold from level", "select", (("", "Never"), *_pairs("medium", "high"))),
        Input("tag", "Order tag", "text", help="optional; default fraud-risk-<level>"),
        Input(
            "alert_at", "Alert me from level", "select", (("", "Never"), *_pairs("medium", "high"))
        ),
        Input("alert_url", "Also POST the alert to", "url", help="optional signed webhook"),
    ),
}
ACTION_LABELS: dict[str, str] = {
    "tag_customer": "Tag the customer",
    "untag_customer": "Remove customer tags",
    "tag_order": "Tag the order",
    "untag_order": "Remove order tags",
    "order_note": "Add an order note",
    "set_order_status": "Change the order status",
    "hold_fulfillment": "Hold fulfillment",
    "flag_order_risk": "Flag order risk",
    "add_to_group": "Add to a customer group",
    "group_by_spend": "Group by lifetime spend",
    "notify_merchant": "Notify the merchant",
    "send_email": "Send an e-mail",
    "create_discount": "Create a discount code",
    "publish_product": "Publish the product",
    "unpublish_product": "Unpublish the product",
    "screen_order_fraud": "Screen the order for fraud",
}


def is_required(action: str, name: str) -> bool:
    """Return whether the schema requires this parameter of this action."""
    spec = ACTIONS.get(action, (None, {}))[1]
    return bool(spec.get(name, ("", False))[1])


def normalize(text: str) -> str:
    """Return form text as compared and stored: Unix newlines, no outer blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def field_text(inp: Input, value: Any) -> str:
    """Return a parameter value as its input shows it."""
    if value is None:
        return ""
    if inp.widget == "tags" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if inp.widget == "ranges" and isinstance(value, list):
        return "\n".join(_range_line(r) for r in value if isinstance(r, dict))
    return str(value)


def _range_line(item: dict[str, Any]) -> str:
    high = "" if item.get("max") in (None, "") else item["max"]
    return f"{item.get('min', 0)}-{high} = {item.get('group', '')}"


def to_value(inp: Input, text: str, templates: set[str] | None = None) -> Any:
    """Return the parameter value an input's (normalized, non-empty) text stands for."""
    if inp.widget == "tags":
        return [t.strip() for t in text.split(",") if t.strip()]
    if inp.widget == "number":
        return _number(inp, text)
    if inp.widget == "ranges":
        try:
            return parse_ranges(text)
        except InvalidAutomation as exc:
            first = exc.errors[0]
            raise BadInput(first.reason, first.path.removeprefix(f"params.{inp.name}")) from exc
    if inp.widget == "select" and text not in {v for v, _ in inp.choices}:
        raise BadInput(f"must be one of {', '.join(v for v, _ in inp.choices)}")
    if inp.widget == "template" and templates is not None and text not in templates:
        raise BadInput(f"unknown e-mail template {text!r}")
    return text


def _number(inp: Input, text: str) -> int | float:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise BadInput(f"must be a number, got {text!r}") from exc
    if not value.is_finite():
        raise BadInput(f"must be a number, got {text!r}")
    if inp.minimum is not None and value < inp.minimum:
        raise BadInput(f"must be at least {inp.minimum}")
    if inp.maximum is not None and value > inp.maximum:
        raise BadInput(f"must be at most {inp.maximum}")
    return int(value) if value == value.to_integral_value() else float(value)
