"""The fields conditions can look at, with their types (what operators they accept)."""

from __future__ import annotations

# type: money | number | text | bool | tags | list (a list of texts, quantified any/all/none)
FIELDS: dict[str, str] = {
    "order.total_price": "money",
    "order.subtotal_price": "money",
    "order.total_discounts": "money",
    "order.total_refunded": "money",
    "order.line_count": "number",
    "order.item_quantity": "number",
    "order.financial_status": "text",
    "order.fulfillment_status": "text",
    "order.status": "text",
    "order.cancelled": "bool",
    "order.gateway": "text",
    "order.shipping_method": "text",
    "order.tags": "tags",
    "order.currency": "text",
    "order.line_items.product_id": "list",
    "order.line_items.title": "list",
    "order.line_items.vendor": "list",
    "order.line_items.product_type": "list",
    "order.line_items.sku": "list",
    "order.shipping_country": "text",
    "order.billing_country": "text",
    "order.shipping_city": "text",
    "order.billing_city": "text",
    "order.shipping_zip": "text",
    "order.billing_zip": "text",
    "order.address_mismatch": "bool",
    "order.first_order": "bool",
    "customer.email": "text",
    "customer.orders_count": "number",
    "customer.total_spent": "money",
    "customer.tags": "tags",
    "customer.kind": "text",
    "customer.has_account": "bool",
    "customer.accepts_marketing": "bool",
    "customer.country_code": "text",
    "customer.company": "text",
    "customer.first_order": "bool",
    "cart.total_price": "money",
    "cart.item_count": "number",
    "cart.converted": "bool",
    "cart.email": "text",
    "variant.inventory_quantity": "number",
    "variant.low_stock_threshold": "number",
    "variant.sku": "text",
    "product.title": "text",
    "product.vendor": "text",
    "product.product_type": "text",
    "product.status": "text",
    "product.tags": "tags",
    "signup.source": "text",  # shopify_app_proxy | woocommerce_plugin (customer.subscribed)
    "signup.interests": "list",  # the categories picked on the signup form
    "event.type": "text",
    "event.segment": "text",  # the segment a customer.entered_segment/left_segment is about
}

NUMERIC = {"money", "number"}

# Fields whose previous value an event carries, for the `changed` operator.
CHANGEABLE = {
    "variant.inventory_quantity",
    "customer.total_spent",
    "customer.accepts_marketing",
}

OPERATORS: dict[str, set[str]] = {
    "=": {"money", "number", "text", "bool", "list"},
    "!=": {"money", "number", "text", "bool", "list"},
    "<": NUMERIC,
    "<=": NUMERIC,
    ">": NUMERIC,
    ">=": NUMERIC,
    "between": NUMERIC,
    "contains": {"text", "tags", "list"},
    "starts_with": {"text"},
    "in": {"money", "number", "text", "list"},
    "is_empty": {"money", "number", "text", "bool", "tags", "list"},
    "is_not_empty": {"money", "number", "text", "bool", "tags", "list"},
    "changed": NUMERIC | {"bool", "text"},
}

# Typographic spellings merchants may type; stored in the plain form.
OPERATOR_ALIASES = {"≠": "!=", "≤": "<=", "≥": ">=", "==": "=", "<>": "!="}

QUANTIFIERS = ("any", "all", "none")

# Operators that can compare a field with another field (`ref`) instead of a value.
REF_OPS = ("=", "!=", "<", "<=", ">", ">=", "contains", "starts_with")
# The comparisons a `changed` condition's from/to sides may make.
SIDE_OPS = ("=", "!=", "<", "<=", ">", ">=")


def ref_types(ftype: str, op: str) -> set[str]:
    """Return the types of field a field of type `ftype` can be compared with by `op`."""
    if op in ("<", "<=", ">", ">=") or ftype in NUMERIC:
        return set(NUMERIC)
    if ftype in ("list", "tags"):
        return {"text"}  # each line item's value, or one tag, against a text field
    return {ftype}


def ref_choices(field: str, op: str, objects: set[str] | None = None) -> list[str]:
    """Return the fields `field` can be compared with by `op` (of the trigger's objects)."""
    ftype = FIELDS.get(field)
    if ftype is None or op not in (*REF_OPS, "changed"):
        return []
    wanted = ref_types(ftype, "=" if op == "changed" else op)
    return [
        name
        for name, kind in FIELDS.items()
        if kind in wanted and name != field and (objects is None or name.split(".")[0] in objects)
    ]
