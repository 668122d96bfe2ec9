"""GET|POST /storefront/also-bought: "customers also bought" for a product page, from the stored
recommendations (published, in stock, not bought by the signed-in shopper)."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request
from sqlalchemy import select, union
from werkzeug.wrappers import Response

from ecomapp.extensions import db
from ecomapp.mail.variables import product_vars
from ecomapp.models import Customer, Product, Store
from ecomapp.recommendations.picks import bought_by, recommend_products
from ecomapp.storefront.requests import storefront_request
from ecomapp.storefront.routes import bp

MAX_LIMIT = 12


def _asked() -> tuple[str, int]:
    """Return (product platform id, limit) from the query (app proxy) or the JSON body (plugin)."""
    body: Any = request.get_json(silent=True) if request.method == "POST" else None
    given = body if isinstance(body, dict) else request.args
    product = str(given.get("product") or "").strip()
    if not product or len(product) > 64:
        abort(400, description="product: give the product's platform id")
    raw = str(given.get("limit") or 4)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        abort(400, description=f"limit: a whole number from 1 to {MAX_LIMIT}")
    return product, int(raw)


def _shopper(store: Store, platform_id: str | None) -> int | None:
    """Return the id of the signed-in shopper's customer row, if the mirror has it."""
    if not platform_id:
        return None
    return db.session.scalar(
        select(Customer.id).where(
            Customer.store_id == store.id, Customer.platform_id == platform_id
        )
    )


@bp.route("/also-bought", methods=["GET", "POST"])
def also_bought() -> Response:
    """Answer a verified storefront request with the product's recommendations."""
    who = storefront_request()
    product, limit = _asked()
    seeds = select(Product.id).where(
        Product.store_id == who.store.id, Product.platform_id == product
    )
    customer_id = _shopper(who.store, who.customer_id)
    exclude = union(seeds, bought_by(who.store, customer_id)) if customer_id else seeds
    found = recommend_products(who.store, seeds, exclude, limit)
    return jsonify(product=product, products=[_shown(p, who.store) for p in found])


def _shown(product: Product, store: Store) -> dict[str, Any]:
    """Return what a storefront block shows of a product."""
    shown = product_vars(product, store)
    keys = ("title", "handle", "image_url", "price", "price_text", "link")
    return {"id": product.platform_id} | {k: shown[k] for k in keys}
