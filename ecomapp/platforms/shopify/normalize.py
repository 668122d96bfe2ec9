"""Shopify webhook payloads (REST shape) → canonical records. None means 'not in this payload'."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ecomapp.mirror.records import (
    AddressRecord,
    CartRecord,
    CustomerRecord,
    InventoryRecord,
    LineRecord,
    OrderRecord,
    ProductRecord,
    VariantRecord,
)
from ecomapp.models.types import normalize_tags, to_money

CONSENT = {"subscribed": True, "not_subscribed": False, "unsubscribed": False}
CONSENT |= {"redacted": False, "invalid": False}  # pending: unknown (None)


def when(value: Any) -> datetime | None:
    """Return an aware datetime from Shopify's ISO 8601 text, or None."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def pid(value: Any) -> str | None:
    """Return a platform id as text: numeric ids as they are, GIDs by their last segment."""
    if value is None or value == "":
        return None
    text = str(value)
    return text.rsplit("/", 1)[-1].split("?", 1)[0] if text.startswith("gid://") else text


def tags(value: Any) -> list[str] | None:
    """Return tags from Shopify's comma string or list; None when absent."""
    return None if value is None else normalize_tags(value)


def consent(value: Any) -> bool | None:
    """Return e-mail marketing consent from an `email_marketing_consent` object."""
    if not isinstance(value, dict):
        return None
    return CONSENT.get(str(value.get("state") or "").lower())


def has_account(state: Any) -> bool | None:
    """Return whether a customer state means an account: enabled; disabled is a guest."""
    return None if not state else str(state).lower() == "enabled"


def customer_record(data: dict[str, Any]) -> CustomerRecord:
    """Return a customer record from a customer payload (tags/consent only when present)."""
    address = data.get("default_address") or {}
    accepts = consent(data.get("email_marketing_consent"))
    if accepts is None and isinstance(data.get("accepts_marketing"), bool):
        accepts = data["accepts_marketing"]
    return CustomerRecord(
        platform_id=str(pid(data.get("id"))),
        email=data.get("email"),
        phone=data.get("phone"),
        first_name=data.get("first_name"),
        last_name=data.get("last_name"),
        tags=tags(data.get("tags")),
        accepts_marketing=accepts,
        company=address.get("company"),
        city=address.get("city"),
        province=address.get("province"),
        country_code=address.get("country_code"),
        zip=address.get("zip"),
        has_account=has_account(data.get("state")),
        created_at=when(data.get("created_at")),
        updated_at=when(data.get("updated_at")),
    )


def address_record(
    kind: str, data: dict[str, Any] | None, country_key: str = "country_code"
) -> AddressRecord | None:
    """Return an address record (REST or GraphQL keys), or None when there is no address."""
    if not data:
        return None
    return AddressRecord(
        kind=kind,
        name=data.get("name"),
        company=data.get("company"),
        address1=data.get("address1"),
        address2=data.get("address2"),
        city=data.get("city"),
        province=data.get("province"),
        zip=data.get("zip"),
        country_code=data.get(country_key),
        phone=data.get("phone"),
    )


def line_record(data: dict[str, Any]) -> LineRecord:
    """Return one order line."""
    return LineRecord(
        platform_id=pid(data.get("id")),
        title=data.get("title") or data.get("name") or "",
        quantity=int(data.get("quantity") or 0),
        price=to_money(data.get("price")),
        product_platform_id=pid(data.get("product_id")),
        variant_platform_id=pid(data.get("variant_id")),
        vendor=data.get("vendor"),
        sku=data.get("sku"),
    )


def _refunded(data: dict[str, Any]) -> Any:
    total = sum(
        to_money(t.get("amount"))
        for refund in data.get("refunds") or []
        for t in refund.get("transactions") or []
        if t.get("kind") == "refund" and t.get("status", "success") == "success"
    )
    return to_money(total)


def _payment_failures(data: dict[str, Any]) -> int | None:
    """Count failed sale/authorization transactions, when the payload lists transactions."""
    if "transactions" not in data:
        return None
    return sum(
        1
        for t in data.get("transactions") or []
        if t.get("kind") in ("sale", "authorization") and t.get("status") in ("failure", "error")
    )


def _payment_card(data: dict[str, Any]) -> str | None:
    """Return the card's BIN and last digits (never the full number), when given."""
    details = data.get("payment_details") or {}
    number = "".join(ch for ch in str(details.get("credit_card_number") or "") if ch.isdigit())
    if not number:
        return None
    return f"{details.get('credit_card_bin') or ''}-{number[-4:]}"


def _order_customer(data: dict[str, Any] | None, locale: Any) -> CustomerRecord | None:
    """Return the order's customer, with the language they ordered in (`customer_locale`)."""
    if not data or not data.get("id"):
        return None
    record = customer_record(data)
    record.locale = str(locale) if locale else None
    return record


def order_record(data: dict[str, Any]) -> OrderRecord:
    """Return an order record from an orders/* payload."""
    customer = data.get("customer")
    shipping = (data.get("shipping_lines") or [{}])[0]
    addresses = [
        address_record("billing", data.get("billing_address")),
        address_record("shipping", data.get("shipping_address")),
    ]
    return OrderRecord(
        platform_id=str(pid(data.get("id"))),
        name=data.get("name") or "",
        customer=_order_customer(customer, data.get("customer_locale")),
        email=data.get("email") or data.get("contact_email"),
        currency=data.get("currency") or "USD",
        subtotal_price=to_money(data.get("subtotal_price")),
        total_price=to_money(data.get("total_price")),
        total_discounts=to_money(data.get("total_discounts")),
        total_tax=to_money(data.get("total_tax")),
        total_refunded=_refunded(data),
        financial_status=data.get("financial_status"),
        fulfillment_status=data.get("fulfillment_status"),
        status="cancelled"
        if data.get("cancelled_at")
        else "closed"
        if data.get("closed_at")
        else "open",
        gateway=", ".join(data.get("payment_gateway_names") or []) or None,
        shipping_method=shipping.get("title"),
        client_ip=data.get("browser_ip") or (data.get("client_details") or {}).get("browser_ip"),
        payment_failures=_payment_failures(data),
        payment_card=_payment_card(data),
        tags=tags(data.get("tags")),
        discount_codes=_codes(data.get("discount_codes")),
        note=data.get("note"),
        cart_token=data.get("checkout_token") or data.get("cart_token"),
        placed_at=when(data.get("processed_at") or data.get("created_at")),
        paid_at=when(data.get("processed_at")) if data.get("financial_status") == "paid" else None,
        cancelled_at=when(data.get("cancelled_at")),
        cancel_reason=data.get("cancel_reason"),
        fraud_evidence="refund" if _refunded_as_fraud(data.get("refunds")) else None,
        updated_at=when(data.get("updated_at")),
        lines=[line_record(li) for li in data.get("line_items") or []],
        addresses=[a for a in addresses if a is not None],
    )


def _codes(entries: Any) -> list[str] | None:
    """Return the codes of an order's discount_codes entries ({code, amount, type})."""
    if not isinstance(entries, list):
        return None
    return [str(e["code"]) for e in entries if isinstance(e, dict) and e.get("code")]


def _refunded_as_fraud(refunds: Any) -> bool:
    """Tell whether a refund's note gives fraud as its reason."""
    notes = [str(r.get("note") or "") for r in refunds or [] if isinstance(r, dict)]
    return any("fraud" in note.lower() for note in notes)


def variant_record(data: dict[str, Any]) -> VariantRecord:
    """Return a variant record."""
    qty = data.get("inventory_quantity")
    return VariantRecord(
        platform_id=str(pid(data.get("id"))),
        title=data.get("title") or "",
        sku=data.get("sku"),
        price=to_money(data.get("price")),
        inventory_item_id=pid(data.get("inventory_item_id")),
        inventory_quantity=None if qty is None else int(qty),
    )


def product_record(data: dict[str, Any]) -> ProductRecord:
    """Return a product record from a products/* payload."""
    image = data.get("image") or {}
    return ProductRecord(
        platform_id=str(pid(data.get("id"))),
        title=data.get("title") or "",
        handle=data.get("handle"),
        vendor=data.get("vendor"),
        product_type=data.get("product_type"),
        tags=tags(data.get("tags")),
        status=str(data.get("status") or "active").lower(),
        image_url=image.get("src"),
        created_at=when(data.get("created_at")),
        updated_at=when(data.get("updated_at")),
        variants=[variant_record(v) for v in data.get("variants") or []],
    )


def inventory_record(data: dict[str, Any]) -> InventoryRecord:
    """Return a stock level from an inventory_levels/update payload."""
    return InventoryRecord(
        available=int(data.get("available") or 0),
        inventory_item_id=pid(data.get("inventory_item_id")),
        updated_at=when(data.get("updated_at")),
        location_id=pid(data.get("location_id")),
    )


def cart_record(data: dict[str, Any]) -> CartRecord:
    """Return a cart from a checkouts/* payload (checkouts have no id: the token is the key)."""
    customer = data.get("customer")
    items = [
        {
            "title": li.get("title"),
            "quantity": int(li.get("quantity") or 1),
            "price": str(to_money(li.get("price"))),
            "product_id": pid(li.get("product_id")),
            "variant_id": pid(li.get("variant_id")),
            "sku": li.get("sku"),
        }
        for li in data.get("line_items") or []
    ]
    return CartRecord(
        platform_id=str(data.get("token")),
        email=data.get("email"),
        customer=customer_record(customer) if customer and customer.get("id") else None,
        items=items,
        total_price=to_money(data.get("total_price")),
        currency=data.get("currency") or "USD",
        recovery_url=data.get("abandoned_checkout_url"),
        created_at=when(data.get("created_at")),
        updated_at=when(data.get("updated_at")),
    )
