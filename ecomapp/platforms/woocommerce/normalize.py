"""wc/v3 payloads (as WooCommerce really sends them) into canonical mirror records."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ecomapp.mirror.records import (
    AddressRecord,
    CustomerRecord,
    LineRecord,
    OrderRecord,
    ProductRecord,
    VariantRecord,
)
from ecomapp.models.types import normalize_tags, to_money

# WooCommerce has no tags on orders and customers: ecomapp keeps them in this meta key. It has
# no leading underscore: WordPress treats `_` keys as protected (is_protected_meta) and since
# WooCommerce 9.5.2 the customers endpoint drops them silently, still answering 200.
TAGS_META_KEY = "ecomapp_tags"
# Where tags were written before; still read on orders that carry it.
LEGACY_TAGS_META_KEY = "_ecomapp_tags"
# The companion plugin stores the cart key on the order it became, under this meta key.
CART_META_KEY = "_ecomapp_cart_key"

_FINANCIAL = {
    "pending": "pending",
    "on-hold": "pending",
    "failed": "pending",
    "processing": "paid",
    "completed": "paid",
    "refunded": "refunded",
}


def gmt(value: str | None) -> datetime | None:
    """Parse a `*_gmt` date (UTC without Z) into an aware UTC datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.rstrip("Z"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def text(value: Any) -> str:
    """Return a name as the merchant typed it (WooCommerce sends `&amp;` for `&`)."""
    return html.unescape(str(value or "")).strip()


def meta(payload: dict[str, Any], key: str) -> Any:
    """Return the value of a meta_data entry, or None."""
    for entry in payload.get("meta_data") or []:
        if entry.get("key") == key:
            return entry.get("value")
    return None


def meta_tags(payload: dict[str, Any]) -> list[str]:
    """Return the ecomapp tags kept in the payload's meta data (the legacy key as fallback)."""
    value = meta(payload, TAGS_META_KEY)
    if value is None:
        value = meta(payload, LEGACY_TAGS_META_KEY)
    return normalize_tags(value or "")


def has_meta(payload: dict[str, Any], key: str) -> bool:
    """Return True when the payload's meta data holds the key."""
    return any(entry.get("key") == key for entry in payload.get("meta_data") or [])


def _blank(value: Any) -> str | None:
    return str(value).strip() or None if value not in (None, "") else None


def customer_record(payload: dict[str, Any]) -> CustomerRecord:
    """Return the record of a wc/v3 customer."""
    billing = payload.get("billing") or {}
    return CustomerRecord(
        platform_id=str(payload["id"]),
        email=_blank(payload.get("email")) or _blank(billing.get("email")),
        phone=_blank(billing.get("phone")),
        first_name=text(payload.get("first_name") or billing.get("first_name")),
        last_name=text(payload.get("last_name") or billing.get("last_name")),
        tags=meta_tags(payload),
        **_billing_place(billing),
        role=_blank(payload.get("role")),
        has_account=True,  # wc/v3 customers are registered users; guests only appear on orders
        created_at=gmt(payload.get("date_created_gmt")),
        updated_at=gmt(payload.get("date_modified_gmt")),
    )


def _billing_place(billing: dict[str, Any]) -> dict[str, Any]:
    """Return the customer fields WooCommerce keeps in the billing address."""
    return {
        "company": _blank(text(billing.get("company"))),
        "city": _blank(billing.get("city")),
        "province": _blank(billing.get("state")),
        "country_code": _blank(billing.get("country")),
        "zip": _blank(billing.get("postcode")),
    }


def _order_customer(payload: dict[str, Any]) -> CustomerRecord | None:
    billing = payload.get("billing") or {}
    email = _blank(billing.get("email"))
    customer_id = int(payload.get("customer_id") or 0)
    if not customer_id and not email:
        return None
    return CustomerRecord(
        platform_id=str(customer_id) if customer_id else f"guest:{email.lower()}",  # type: ignore[union-attr]
        email=email,
        phone=_blank(billing.get("phone")),
        first_name=text(billing.get("first_name")),
        last_name=text(billing.get("last_name")),
        **_billing_place(billing),
        has_account=bool(customer_id),  # customer_id 0: a guest checkout
        created_at=gmt(payload.get("date_created_gmt")),
    )


def _address(kind: str, data: dict[str, Any]) -> AddressRecord | None:
    if not any(data.get(k) for k in ("address_1", "city", "country", "postcode")):
        return None
    name = f"{text(data.get('first_name'))} {text(data.get('last_name'))}".strip()
    return AddressRecord(
        kind=kind,
        name=name or None,
        company=_blank(text(data.get("company"))),
        address1=_blank(data.get("address_1")),
        address2=_blank(data.get("address_2")),
        city=_blank(data.get("city")),
        province=_blank(data.get("state")),
        zip=_blank(data.get("postcode")),
        country_code=_blank(data.get("country")),
        phone=_blank(data.get("phone")),
    )


def _line(item: dict[str, Any]) -> LineRecord:
    product_id = int(item.get("product_id") or 0)
    variation_id = int(item.get("variation_id") or 0)
    return LineRecord(
        platform_id=str(item["id"]),
        title=text(item.get("name")),
        quantity=int(item.get("quantity") or 0),
        price=to_money(item.get("price")),
        product_platform_id=str(product_id) if product_id else None,
        variant_platform_id=str(variation_id or product_id) if product_id else None,
        sku=_blank(item.get("sku")),
    )


def _financial_status(payload: dict[str, Any], refunded: Decimal) -> str | None:
    status = payload.get("status", "")
    if status == "cancelled":
        return "paid" if payload.get("date_paid_gmt") else "voided"
    financial = _FINANCIAL.get(status)
    if financial == "paid" and refunded > 0:
        return "partially_refunded"
    return financial


def _refunded_as_fraud(refunds: Any) -> bool:
    """Tell whether a refund's reason (wc/v3 order `refunds[].reason`) names fraud."""
    reasons = [str(r.get("reason") or "") for r in refunds or [] if isinstance(r, dict)]
    return any("fraud" in reason.lower() for reason in reasons)


def order_record(payload: dict[str, Any]) -> OrderRecord:
    """Return the record of a wc/v3 order (never a checkout-draft: callers skip those)."""
    refunded = sum((-to_money(r.get("total")) for r in payload.get("refunds") or []), Decimal(0))
    lines = [_line(item) for item in payload.get("line_items") or []]
    addresses = [
        a
        for a in (
            _address("billing", payload.get("billing") or {}),
            _address("shipping", payload.get("shipping") or {}),
        )
        if a is not None
    ]
    shipping = payload.get("shipping_lines") or []
    cancelled = payload.get("status") == "cancelled"
    return OrderRecord(
        platform_id=str(payload["id"]),
        name=f"#{payload.get('number') or payload['id']}",
        customer=_order_customer(payload),
        email=_blank((payload.get("billing") or {}).get("email")),
        currency=payload.get("currency") or "USD",
        subtotal_price=sum(
            (to_money(i.get("total")) for i in payload.get("line_items") or []), Decimal(0)
        ),
        total_price=to_money(payload.get("total")),
        total_discounts=to_money(payload.get("discount_total")),
        total_tax=to_money(payload.get("total_tax")),
        total_refunded=refunded,
        financial_status=_financial_status(payload, refunded),
        fulfillment_status="fulfilled" if payload.get("status") == "completed" else None,
        status="cancelled" if cancelled else "open",
        gateway=_blank(payload.get("payment_method")),
        shipping_method=text(shipping[0].get("method_title")) if shipping else None,
        client_ip=_blank(payload.get("customer_ip_address")),
        payment_failures=1 if payload.get("status") == "failed" else None,
        fraud_evidence="refund" if _refunded_as_fraud(payload.get("refunds")) else None,
        tags=meta_tags(payload),
        discount_codes=_coupons(payload.get("coupon_lines")),
        note=_blank(payload.get("customer_note")),
        cart_token=_blank(meta(payload, CART_META_KEY)),
        placed_at=gmt(payload.get("date_created_gmt")),
        paid_at=gmt(payload.get("date_paid_gmt")),
        cancelled_at=gmt(payload.get("date_modified_gmt")) if cancelled else None,
        updated_at=gmt(payload.get("date_modified_gmt")),
        lines=lines,
        addresses=addresses,
    )


def _coupons(lines: Any) -> list[str] | None:
    """Return the codes of an order's coupon_lines ({id, code, discount …})."""
    if not isinstance(lines, list):
        return None
    return [text(c["code"]) for c in lines if isinstance(c, dict) and c.get("code")]


def _stock(payload: dict[str, Any]) -> int | None:
    if not payload.get("manage_stock") or payload.get("stock_quantity") is None:
        return None
    return int(payload["stock_quantity"])


def variant_record(payload: dict[str, Any]) -> VariantRecord:
    """Return the variant of a simple product or of a variation (its own product in wc/v3)."""
    attributes = [text(a.get("option")) for a in payload.get("attributes") or [] if "option" in a]
    low = payload.get("low_stock_amount")
    return VariantRecord(
        platform_id=str(payload["id"]),
        title=" / ".join(attributes) or "Default",
        sku=_blank(payload.get("sku")),
        price=to_money(payload.get("price")),
        inventory_quantity=_stock(payload),
        low_stock_threshold=int(low) if low not in (None, "") else None,
    )


def product_record(payload: dict[str, Any]) -> ProductRecord:
    """Return the record of a wc/v3 product; a variable product's variations come apart."""
    images = payload.get("images") or []
    categories = payload.get("categories") or []
    variable = payload.get("type") == "variable"
    return ProductRecord(
        platform_id=str(payload["id"]),
        title=text(payload.get("name")),
        handle=_blank(payload.get("slug")),
        product_type=text(categories[0].get("name")) if categories else None,
        tags=[text(t.get("name")) for t in payload.get("tags") or []],
        status="active" if payload.get("status") == "publish" else "draft",
        image_url=images[0].get("src") if images else None,
        created_at=gmt(payload.get("date_created_gmt")),
        updated_at=gmt(payload.get("date_modified_gmt")),
        variants=[] if variable else [variant_record(payload)],
        rating=_rating(payload),
        rating_count=int(payload.get("rating_count") or 0),
        categories=[str(c["id"]) for c in categories if c.get("id") is not None],
    )


def _rating(payload: dict[str, Any]) -> Decimal | None:
    """Return wc/v3's `average_rating` ("4.50", "0" when unrated) as a Decimal."""
    try:
        return Decimal(str(payload.get("average_rating") or "0")).quantize(Decimal("0.01"))
    except ArithmeticError:
        return None
