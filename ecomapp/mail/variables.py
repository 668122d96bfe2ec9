"""Template variables: plain dicts built from the mirror (never ORM objects in a template)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail.languages import mail_money
from ecomapp.models import Cart, Customer, LineItem, Order, Product, Store, Variant
from ecomapp.recommendations.grid import RecommendedFor, grid_html


def store_vars(store: Store, brand_color: str, logo_url: str | None, address: str) -> dict:
    """Return the store's variables: name, domain, url, colour, logo, postal address."""
    return {
        "name": store.name or store.domain,
        "domain": store.domain,
        "url": f"https://{store.domain}",
        "currency": store.currency,
        "color": brand_color,
        "logo_url": logo_url,
        "address": address,
    }


def customer_vars(customer: Customer | None) -> dict[str, Any]:
    """Return a customer's variables (empty when there is none)."""
    if customer is None:
        return {}
    return {
        "id": customer.id,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "name": customer.name,
        "email": customer.email,
        "orders_count": customer.orders_count,
        "total_spent": str(customer.total_spent),
        "tags": list(customer.tags),
    }


def _line(li: LineItem) -> dict[str, Any]:
    return {"title": li.title, "quantity": li.quantity, "price": str(li.price), "sku": li.sku}


def order_vars(order: Order | None) -> dict[str, Any]:
    """Return an order's variables with its lines."""
    if order is None:
        return {}
    return {
        "id": order.id,
        "name": order.name,
        "total_price": str(order.total_price),
        "currency": order.currency,
        "placed_at": order.placed_at.isoformat() if order.placed_at else None,
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "line_items": [_line(li) for li in order.line_items],
    }


def cart_vars(cart: Cart | None) -> dict[str, Any]:
    """Return a cart's variables: line_items (not `items`: a dict method), total, link."""
    if cart is None:
        return {}
    return {
        "id": cart.id,
        "line_items": json.loads(json.dumps(cart.items or [], default=str)),
        "total_price": str(cart.total_price),
        "currency": cart.currency,
        "recovery_url": cart.recovery_url,
    }


def product_vars(product: Product, store: Store | None = None) -> dict[str, Any]:
    """Return a product's variables with its first variant's price (formatted, given a store)."""
    variant: Variant | None = product.variants[0] if product.variants else None
    shown: dict[str, Any] = {}
    if store is not None:
        shown["price_text"] = mail_money(variant.price, store.currency) if variant else ""
        shown["link"] = f"https://{store.domain}/products/{product.handle or ''}"
    return shown | {
        "id": product.id,
        "title": product.title,
        "handle": product.handle,
        "vendor": product.vendor,
        "image_url": product.image_url,
        "price": str(variant.price) if variant else None,
        "url": f"/products/{product.handle}" if product.handle else None,
    }


def _owned(model: type, store: Store, row_id: Any) -> Any:
    if row_id is None:
        return None
    row = db.session.get(model, int(row_id))
    return row if row is not None and row.store_id == store.id else None


def products_by_id(store: Store, ids: list[Any]) -> list[dict[str, Any]]:
    """Return variables of the store's products with these ids, in the given order."""
    wanted = [int(i) for i in ids if str(i).isdigit()]
    if not wanted:
        return []
    rows = db.session.scalars(
        select(Product).where(Product.store_id == store.id, Product.id.in_(wanted))
    ).all()
    by_id = {p.id: p for p in rows}
    return [product_vars(by_id[i], store) for i in wanted if i in by_id]


def mirror_vars(store: Store, context: dict[str, Any], customer_id: int | None) -> dict:
    """Load customer, order, cart, product and recommendations named by ids in the context."""
    customer = _owned(Customer, store, customer_id or context.get("customer_id"))
    order = _owned(Order, store, context.get("order_id"))
    cart = _owned(Cart, store, context.get("cart_id"))
    out: dict[str, Any] = {
        "customer": customer_vars(customer),
        "order": order_vars(order),
        "cart": cart_vars(cart),
    }
    product = _owned(Product, store, context.get("product_id"))
    out["product"] = product_vars(product) if product else {}
    out["recommendations"] = products_by_id(store, list(context.get("recommendation_ids", [])))
    out["recommendations_grid"] = grid_html(out["recommendations"])
    if customer is not None:  # "recommended for this customer", queried only when used
        out["recommended"] = RecommendedFor(store, customer.id)
    return out


def json_safe(value: dict[str, Any]) -> dict[str, Any]:
    """Return value as plain JSON data (dates and decimals become strings)."""
    return json.loads(json.dumps(value, default=str))
