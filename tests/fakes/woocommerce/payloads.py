"""wc/v3 bodies in the shape a real WooCommerce 11 store sends them.

Shape notes (from deliveries captured on a real store, see PLATFORMS.md): compact ASCII JSON
with `\\/` and `\\uXXXX` escapes, `&amp;` in product and line-item names, plain dates in store
time without offset and `*_gmt` dates in UTC without `Z`, money as 2-decimal strings except
`line_items[].price` (a number), variations as products of type "variation".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

STORE = "https://shop.example.com"
STORE_OFFSET = timedelta(hours=1)  # the fake store runs on Europe/Paris winter time


def wire(payload: dict[str, Any]) -> bytes:
    """Return the bytes WooCommerce would send: PHP json_encode's compact, escaped form."""
    return (
        json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()
    )


def _dates(name: str, at: datetime | None) -> dict[str, str | None]:
    if at is None:
        return {name: None, f"{name}_gmt": None}
    local = (at + STORE_OFFSET).replace(tzinfo=None)
    return {
        name: local.strftime("%Y-%m-%dT%H:%M:%S"),
        f"{name}_gmt": at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _links(kind: str, pid: int) -> dict[str, Any]:
    return {
        "self": [
            {
                "href": f"{STORE}/wp-json/wc/v3/{kind}/{pid}",
                "targetHints": {"allow": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
            }
        ],
        "collection": [{"href": f"{STORE}/wp-json/wc/v3/{kind}"}],
    }


def address(
    first: str = "Ada", last: str = "Lovelace", email: str | None = "ada@example.com"
) -> dict[str, Any]:
    """Return a billing (with email) or shipping (email=None) address."""
    data = {
        "first_name": first,
        "last_name": last,
        "company": "",
        "address_1": "12 Rue de la Paix",
        "address_2": "",
        "city": "Paris",
        "state": "",
        "postcode": "75002",
        "country": "FR",
    }
    if email is not None:
        data["email"] = email
    data["phone"] = "+33 1 23 45 67 89"
    return data


def line_item(
    item_id: int,
    product_id: int,
    name: str,
    quantity: int,
    price: float,
    variation_id: int = 0,
    sku: str = "",
) -> dict[str, Any]:
    """Return an order line: `price` is a JSON number, the rest are strings."""
    total = f"{price * quantity:.2f}"
    return {
        "id": item_id,
        "name": name,
        "product_id": product_id,
        "variation_id": variation_id,
        "quantity": quantity,
        "tax_class": "",
        "subtotal": total,
        "subtotal_tax": "0.00",
        "total": total,
        "total_tax": "0.00",
        "taxes": [],
        "meta_data": [],
        "sku": sku,
        "global_unique_id": "",
        "price": price,
        "image": {"id": "", "src": ""},
        "parent_name": None,
    }


def order(
    order_id: int = 727,
    status: str = "processing",
    customer_id: int = 0,
    email: str = "ada@example.com",
    lines: list[dict[str, Any]] | None = None,
    created: datetime = datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    modified: datetime | None = None,
    refunds: list[dict[str, Any]] | None = None,
    meta: list[dict[str, Any]] | None = None,
    shipping_total: str = "5.00",
) -> dict[str, Any]:
    """Return an order as wc/v3 and its webhooks deliver it."""
    lines = (
        lines
        if lines is not None
        else [line_item(11, 41, "Tea &amp; Biscuits", 2, 12.5, sku="TB-1")]
    )
    line_sum = sum(float(li["total"]) for li in lines)
    paid = (
        created + timedelta(seconds=5)
        if status in ("processing", "completed", "refunded")
        else None
    )
    completed = created + timedelta(days=1) if status == "completed" else None
    modified = modified or created + timedelta(seconds=6)
    body: dict[str, Any] = {
        "id": order_id,
        "parent_id": 0,
        "status": status,
        "currency": "EUR",
        "version": "11.0.1",
        "prices_include_tax": False,
        **{k: v for k, v in _dates("date_created", created).items() if not k.endswith("_gmt")},
        **{k: v for k, v in _dates("date_modified", modified).items() if not k.endswith("_gmt")},
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": shipping_total,
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": f"{line_sum + float(shipping_total):.2f}",
        "total_tax": "0.00",
        "customer_id": customer_id,
        "order_key": f"wc_order_{order_id}AbCdEf",
        "billing": address(email=email),
        "shipping": address(email=None),
        "payment_method": "bacs",
        "payment_method_title": "Direct bank transfer",
        "transaction_id": "",
        "customer_ip_address": "203.0.113.7",
        "customer_user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
        "created_via": "checkout",
        "customer_note": "",
        **{k: v for k, v in _dates("date_completed", completed).items() if not k.endswith("_gmt")},
        **{k: v for k, v in _dates("date_paid", paid).items() if not k.endswith("_gmt")},
        "cart_hash": "5b0e1f5d9a0c4e3f8b7a6c5d4e3f2a1b",
        "number": str(order_id),
        "meta_data": meta or [],
        "line_items": lines,
        "tax_lines": [],
        "shipping_lines": [
            {
                "id": 12,
                "method_title": "Flat rate",
                "method_id": "flat_rate",
                "instance_id": "1",
                "total": shipping_total,
                "total_tax": "0.00",
                "taxes": [],
                "tax_status": "taxable",
                "meta_data": [],
            }
        ],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": refunds or [],
        "payment_url": f"{STORE}/checkout/order-pay/{order_id}/"
        f"?pay_for_order=true&key=wc_order_{order_id}AbCdEf",
        "is_editable": status in ("pending", "on-hold", "checkout-draft"),
        "needs_payment": paid is None,
        "needs_processing": True,
        **{k: v for k, v in _dates("date_created", created).items() if k.endswith("_gmt")},
        **{k: v for k, v in _dates("date_modified", modified).items() if k.endswith("_gmt")},
        **{k: v for k, v in _dates("date_completed", completed).items() if k.endswith("_gmt")},
        **{k: v for k, v in _dates("date_paid", paid).items() if k.endswith("_gmt")},
        "currency_symbol": "\u20ac",
        "_links": _links("orders", order_id),
    }
    return body


def refund(refund_id: int, amount: str, reason: str = "") -> dict[str, Any]:
    """Return an entry of an order's `refunds`: the total is negative."""
    return {"id": refund_id, "reason": reason, "total": f"-{amount}"}


def customer(
    customer_id: int = 5,
    email: str = "ada@example.com",
    first: str = "Ada",
    last: str = "Lovelace",
    created: datetime = datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
    modified: datetime | None = None,
    meta: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return a customer as wc/v3 and its webhooks deliver it."""
    modified = modified or created
    return {
        "id": customer_id,
        **{k: v for k, v in _dates("date_created", created).items() if not k.endswith("_gmt")},
        **{k: v for k, v in _dates("date_created", created).items() if k.endswith("_gmt")},
        **{k: v for k, v in _dates("date_modified", modified).items() if not k.endswith("_gmt")},
        **{k: v for k, v in _dates("date_modified", modified).items() if k.endswith("_gmt")},
        "email": email,
        "first_name": first,
        "last_name": last,
        "role": "customer",
        "username": email.split("@")[0],
        "billing": address(first, last, email),
        "shipping": address(first, last, None),
        "is_paying_customer": True,
        "avatar_url": "https://secure.gravatar.com/avatar/0?s=96&d=mm&r=g",
        "meta_data": meta or [],
        "_links": _links("customers", customer_id),
    }


def product(
    product_id: int = 41,
    name: str = "Tea &amp; Biscuits",
    kind: str = "simple",
    price: str = "12.50",
    stock: int | None = 20,
    low_stock: int | None = 5,
    modified: datetime = datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
    parent_id: int = 0,
    status: str = "publish",
    attributes: list[dict[str, Any]] | None = None,
    variations: list[int] | None = None,
) -> dict[str, Any]:
    """Return a product (or, with kind="variation", a variation) as wc/v3 sends it."""
    created = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    return {
        "id": product_id,
        "name": name,
        "slug": name.lower().replace(" &amp; ", "-").replace(" ", "-"),
        "permalink": f"{STORE}/product/{product_id}/",
        **_dates("date_created", created),
        **_dates("date_modified", modified),
        "type": kind,
        "status": status,
        "featured": False,
        "catalog_visibility": "visible",
        "description": "<p>Fine things.</p>",
        "short_description": "",
        "sku": f"SKU-{product_id}",
        "price": price,
        "regular_price": price,
        "sale_price": "",
        "on_sale": False,
        "purchasable": True,
        "total_sales": 0,
        "virtual": False,
        "downloadable": False,
        "tax_status": "taxable",
        "tax_class": "",
        "manage_stock": stock is not None,
        "stock_quantity": stock,
        "backorders": "no",
        "low_stock_amount": low_stock,
        "parent_id": parent_id,
        "categories": [{"id": 15, "name": "Pantry &amp; Kitchen", "slug": "pantry"}]
        if kind != "variation"
        else [],
        "tags": [],
        "images": [
            {
                "id": 9,
                "src": f"{STORE}/wp-content/uploads/2026/10/p{product_id}.jpg",
                "name": "",
                "alt": "",
            }
        ],
        "attributes": attributes or [],
        "variations": variations or [],
        "meta_data": [],
        "stock_status": "instock" if (stock or 0) > 0 else "outofstock",
        "_links": _links("products", product_id),
    }


def variation(
    variation_id: int, parent_id: int, size: str, stock: int, **fields: Any
) -> dict[str, Any]:
    """Return a variation as it arrives in product webhooks: its own product, type variation."""
    attrs = [{"id": 1, "name": "Size", "slug": "pa_size", "option": size}]
    return product(
        variation_id,
        name=f"Jumper - {size}",
        kind="variation",
        stock=stock,
        parent_id=parent_id,
        attributes=attrs,
        **fields,
    )
