"""Sample variables for the template preview and the 'send test' button."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail.variables import product_vars
from ecomapp.models import Product, Store


def sample_variables(store: Store) -> dict[str, Any]:
    """Return realistic variables: the store's own products when it has some."""
    products = db.session.scalars(
        select(Product).where(Product.store_id == store.id, Product.deleted_at.is_(None)).limit(3)
    ).all()
    recs = [product_vars(p) for p in products] or [
        {"id": 1, "title": "Rain Shell", "price": "120.00", "url": "/products/rain-shell"},
        {"id": 2, "title": "Trail Socks", "price": "14.00", "url": "/products/trail-socks"},
    ]
    line = {"title": recs[0]["title"], "quantity": 1, "price": recs[0]["price"] or "0.00"}
    return {
        "customer": {"first_name": "Alex", "last_name": "Sample", "email": "alex@example.com"},
        "order": {"name": "#1001", "total_price": line["price"], "line_items": [line]},
        "cart": {
            "line_items": [{"title": r["title"], "quantity": 1} for r in recs],
            "recovery_url": f"https://{store.domain}/cart",
        },
        "product": recs[0],
        "recommendations": recs,
        "title": "Sample alert",
        "message": "This is a sample message.",
        "discount_code": "SAMPLE10",
        "discount_percent": 10,
        "quantity": 3,
        "signup": {"name": "Alex Sample", "email": "alex@example.com"},
        "confirm_url": f"https://{store.domain}/confirm-sample",
        "link_hours": 72,
        "interests": ["Jackets"],
    }
