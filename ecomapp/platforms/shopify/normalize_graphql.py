"""Admin GraphQL nodes (bulk JSONL lines, reconciliation pages) → canonical records."""

from __future__ import annotations

from typing import Any

from ecomapp.mirror.records import (
    CustomerRecord,
    LineRecord,
    OrderRecord,
    ProductRecord,
    VariantRecord,
)
from ecomapp.models.types import to_money
from ecomapp.platforms.shopify.normalize import (
    CONSENT,
    address_record,
    has_account,
    pid,
    tags,
    when,
)

PRODUCT_FIELDS = """id title handle vendor productType tags status createdAt updatedAt
featuredImage { url }
variants { edges { node { id title sku price inventoryQuantity inventoryItem { id } } } }"""

CUSTOMER_FIELDS = """id firstName lastName tags state createdAt updatedAt locale
defaultEmailAddress { emailAddress marketingState }
defaultPhoneNumber { phoneNumber }
defaultAddress { company city province countryCodeV2 zip }"""

_MONEY = "{ shopMoney { amount } }"
# A list field (not a connection), so a bulk result carries it inline on the order's line.
TRANSACTION_FIELDS = """transactions { kind status gateway
  paymentDetails { ... on CardPaymentDetails { bin number company } } }"""
ORDER_FIELDS = f"""id name email createdAt processedAt updatedAt cancelledAt cancelReason closedAt
displayFinancialStatus displayFulfillmentStatus currencyCode tags note clientIp discountCodes
customer {{ id }}
totalPriceSet {_MONEY} subtotalPriceSet {_MONEY} totalDiscountsSet {_MONEY}
totalTaxSet {_MONEY} totalRefundedSet {_MONEY}
shippingLine {{ title }} paymentGatewayNames
{TRANSACTION_FIELDS}
billingAddress {{ name company address1 address2 city province zip countryCodeV2 phone }}
shippingAddress {{ name company address1 address2 city province zip countryCodeV2 phone }}
lineItems {{ edges {{ node {{ id title quantity sku vendor
  originalUnitPriceSet {_MONEY} product {{ id }} variant {{ id }} }} }} }}"""


def _money(value: dict[str, Any] | None) -> Any:
    return to_money(((value or {}).get("shopMoney") or {}).get("amount"))


def _lower(value: Any) -> str | None:
    return str(value).lower() if value else None


def gql_customer(node: dict[str, Any]) -> CustomerRecord:
    """Return a customer record from a Customer node."""
    email = node.get("defaultEmailAddress") or {}
    phone = node.get("defaultPhoneNumber") or {}
    address = node.get("defaultAddress") or {}
    state = _lower(email.get("marketingState"))
    return CustomerRecord(
        platform_id=str(pid(node.get("id"))),
        email=email.get("emailAddress") or node.get("email"),
        phone=phone.get("phoneNumber") or node.get("phone"),
        first_name=node.get("firstName"),
        last_name=node.get("lastName"),
        tags=tags(node.get("tags")),
        accepts_marketing=CONSENT.get(state) if state else None,
        company=address.get("company"),
        city=address.get("city"),
        province=address.get("province"),
        country_code=address.get("countryCodeV2"),
        zip=address.get("zip"),
        locale=node.get("locale"),
        has_account=has_account(node.get("state")),
        created_at=when(node.get("createdAt")),
        updated_at=when(node.get("updatedAt")),
    )


def gql_variant(node: dict[str, Any]) -> VariantRecord:
    """Return a variant record from a ProductVariant node."""
    qty = node.get("inventoryQuantity")
    return VariantRecord(
        platform_id=str(pid(node.get("id"))),
        title=node.get("title") or "",
        sku=node.get("sku"),
        price=to_money(node.get("price")),
        inventory_item_id=pid((node.get("inventoryItem") or {}).get("id")),
        inventory_quantity=None if qty is None else int(qty),
    )


def gql_product(node: dict[str, Any], variants: list[dict[str, Any]]) -> ProductRecord:
    """Return a product record from a Product node and its variant nodes."""
    return ProductRecord(
        platform_id=str(pid(node.get("id"))),
        title=node.get("title") or "",
        handle=node.get("handle"),
        vendor=node.get("vendor"),
        product_type=node.get("productType"),
        tags=tags(node.get("tags")),
        status=_lower(node.get("status")) or "active",
        image_url=(node.get("featuredImage") or {}).get("url"),
        created_at=when(node.get("createdAt")),
        updated_at=when(node.get("updatedAt")),
        variants=[gql_variant(v) for v in variants],
    )


def gql_line(node: dict[str, Any]) -> LineRecord:
    """Return an order line from a LineItem node."""
    return LineRecord(
        platform_id=pid(node.get("id")),
        title=node.get("title") or "",
        quantity=int(node.get("quantity") or 0),
        price=_money(node.get("originalUnitPriceSet")),
        product_platform_id=pid((node.get("product") or {}).get("id")),
        variant_platform_id=pid((node.get("variant") or {}).get("id")),
        vendor=node.get("vendor"),
        sku=node.get("sku"),
    )


def gql_payment_failures(node: dict[str, Any]) -> int | None:
    """Count the order's failed sale/authorization transactions (None: not in the node)."""
    if "transactions" not in node:
        return None
    return sum(
        1
        for t in node.get("transactions") or []
        if _lower(t.get("kind")) in ("sale", "authorization")
        and _lower(t.get("status")) in ("failure", "error")
    )


def gql_payment_card(node: dict[str, Any]) -> str | None:
    """Return the card's BIN and last digits ("424242-4242") from the order's transactions."""
    for transaction in node.get("transactions") or []:
        details = transaction.get("paymentDetails") or {}
        digits = "".join(ch for ch in str(details.get("number") or "") if ch.isdigit())
        if digits:
            return f"{details.get('bin') or ''}-{digits[-4:]}"
    return None


def gql_order(node: dict[str, Any], lines: list[dict[str, Any]]) -> OrderRecord:
    """Return an order record from an Order node and its line item nodes."""
    customer = node.get("customer") or {}
    financial = _lower(node.get("displayFinancialStatus"))
    addresses = [
        address_record("billing", node.get("billingAddress"), "countryCodeV2"),
        address_record("shipping", node.get("shippingAddress"), "countryCodeV2"),
    ]
    status = (
        "cancelled" if node.get("cancelledAt") else "closed" if node.get("closedAt") else "open"
    )
    return OrderRecord(
        platform_id=str(pid(node.get("id"))),
        name=node.get("name") or "",
        customer=CustomerRecord(platform_id=str(pid(customer["id"]))) if customer else None,
        email=node.get("email"),
        currency=node.get("currencyCode") or "USD",
        subtotal_price=_money(node.get("subtotalPriceSet")),
        total_price=_money(node.get("totalPriceSet")),
        total_discounts=_money(node.get("totalDiscountsSet")),
        total_tax=_money(node.get("totalTaxSet")),
        total_refunded=_money(node.get("totalRefundedSet")),
        financial_status=financial,
        fulfillment_status=_lower(node.get("displayFulfillmentStatus")),
        status=status,
        gateway=", ".join(node.get("paymentGatewayNames") or []) or None,
        shipping_method=(node.get("shippingLine") or {}).get("title"),
        client_ip=node.get("clientIp"),
        tags=tags(node.get("tags")),
        discount_codes=node.get("discountCodes"),
        note=node.get("note"),
        placed_at=when(node.get("processedAt") or node.get("createdAt")),
        paid_at=when(node.get("processedAt")) if financial == "paid" else None,
        cancelled_at=when(node.get("cancelledAt")),
        cancel_reason=_lower(node.get("cancelReason")),
        payment_failures=gql_payment_failures(node),
        payment_card=gql_payment_card(node),
        updated_at=when(node.get("updatedAt")),
        lines=[gql_line(li) for li in lines],
        addresses=[a for a in addresses if a is not None],
    )
