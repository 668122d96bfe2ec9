"""Campaign content blocks (text, image, button, product grid) rendered to e-mail HTML."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from sqlalchemy import func, select

from ecomapp.campaigns.favourites import FAVOURITE
from ecomapp.extensions import db
from ecomapp.i18n import money
from ecomapp.mail.sandbox import render_text
from ecomapp.models import LineItem, Product, Store, Variant

BLOCK_TYPES = ("text", "image", "button", "products")
GRID_LIMIT = 4


def _text(block: dict[str, Any], variables: dict[str, Any]) -> str:
    rendered = render_text(str(block.get("text", "")), variables)
    paragraphs = [p.strip() for p in rendered.split("\n\n") if p.strip()]
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _image(block: dict[str, Any]) -> str:
    url, alt = escape(str(block.get("url", ""))), escape(str(block.get("alt", "")))
    if not url.startswith("https://"):
        return ""
    return f'<p><img src="{url}" alt="{alt}" style="max-width:100%;height:auto;border:0"></p>'


def _button(block: dict[str, Any], color: str) -> str:
    url, label = str(block.get("url", "")), escape(str(block.get("label", "")))
    if not url.startswith(("https://", "http://")) or not label:
        return ""
    style = f"display:inline-block;padding:12px 20px;background:{escape(color)};color:#fff;"
    style += "border-radius:6px;text-decoration:none;font-weight:600"
    return f'<p><a href="{escape(url)}" style="{style}">{label}</a></p>'


def grid_products(store: Store, block: dict[str, Any]) -> list[tuple[Product, Decimal]]:
    """Return the products of a grid block with their lowest price (category or best sellers)."""
    limit = min(int(block.get("limit") or GRID_LIMIT), 12)
    price = func.min(Variant.price).label("price")
    stmt = (
        select(Product, price)
        .join(Variant, Variant.product_id == Product.id)
        .where(Product.store_id == store.id, Product.status == "active")
        .where(Product.deleted_at.is_(None))
        .group_by(Product.id)
    )
    if block.get("source") == "category":
        stmt = stmt.where(Product.product_type == str(block.get("category", ""))).order_by(
            Product.id
        )
    else:
        sold = (
            select(LineItem.product_platform_id, func.sum(LineItem.quantity).label("units"))
            .where(LineItem.store_id == store.id)
            .group_by(LineItem.product_platform_id)
            .subquery()
        )
        stmt = stmt.join(sold, sold.c.product_platform_id == Product.platform_id)
        stmt = stmt.group_by(sold.c.units).order_by(sold.c.units.desc(), Product.id)
    return [(row[0], row[1]) for row in db.session.execute(stmt.limit(limit)).all()]


def grid_token(index: int) -> str:
    """Return the placeholder of a per-recipient grid, filled in when each mail is made."""
    return f"%%GRID{index}%%"


def personal_grids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the grid blocks that differ per recipient (the favourite category), in order."""
    return [b for b in blocks if b.get("type") == "products" and b.get("source") == FAVOURITE]


def favourite_grid(store: Store, block: dict[str, Any], category: str | None) -> str:
    """Return a favourite-category grid for one category (None: the best sellers)."""
    if category is None:
        return _products(store, block | {"source": "best_sellers"})
    return _products(store, block | {"source": "category", "category": category})


def _products(store: Store, block: dict[str, Any]) -> str:
    cells = []
    for product, price in grid_products(store, block):
        url = escape(f"https://{store.domain}/products/{product.handle or product.platform_id}")
        image = ""
        if product.image_url and product.image_url.startswith("https://"):
            image = f'<img src="{escape(product.image_url)}" alt="" width="120" style="border:0">'
        cells.append(
            f'<td style="padding:8px;text-align:center;vertical-align:top">'
            f'<a href="{url}">{image}<br>{escape(product.title)}</a><br>'
            f"{escape(money(price, store.currency))}</td>"
        )
    if not cells:
        return ""
    rows = ["".join(cells[i : i + 2]) for i in range(0, len(cells), 2)]
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    return f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0">{body}</table>'


def render_blocks(
    store: Store, blocks: list[dict[str, Any]], variables: dict[str, Any], color: str
) -> str:
    """Return the e-mail body HTML of a version's blocks, in order."""
    parts, personal = [], 0
    for block in blocks:
        kind = block.get("type")
        if kind == "text":
            parts.append(_text(block, variables))
        elif kind == "image":
            parts.append(_image(block))
        elif kind == "button":
            parts.append(_button(block, color))
        elif kind == "products" and block.get("source") == FAVOURITE:
            parts.append(grid_token(personal))
            personal += 1
        elif kind == "products":
            parts.append(_products(store, block))
    return "\n".join(parts)
