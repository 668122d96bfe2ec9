"""The product grid block of mail templates: recommended products as e-mail-safe HTML."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ecomapp.models import Store

PER_ROW = 2
_GRID = Environment(autoescape=True).from_string(
    '<table role="presentation" class="product-grid" data-grid="products" width="100%"'
    ' cellpadding="0" cellspacing="0">'
    "{% for row in rows %}<tr>{% for p in row %}"
    '<td width="{{ width }}%" valign="top" style="padding:8px;text-align:center"'
    ' data-product-id="{{ p.id }}">'
    '<a href="{{ p.link }}">{% if p.image_url %}<img src="{{ p.image_url }}" alt="{{ p.title }}"'
    ' width="160" style="max-width:100%;border:0"><br>{% endif %}'
    "<strong>{{ p.title }}</strong></a><br><span>{{ p.price_text }}</span></td>"
    "{% endfor %}</tr>{% endfor %}</table>"
)


def grid_html(products: Sequence[dict[str, Any]]) -> Markup:
    """Return the products as a grid, PER_ROW a row (image, title, price, link)."""
    items = list(products)
    rows = [items[i : i + PER_ROW] for i in range(0, len(items), PER_ROW)]
    return Markup(_GRID.render(rows=rows, width=100 // PER_ROW)) if items else Markup("")


class RecommendedFor(Sequence[dict[str, Any]]):
    """A customer's recommendations, looked up only when a template uses them."""

    def __init__(self, store: Store, customer_id: int, limit: int = 4) -> None:
        self._store, self._customer_id, self._limit = store, customer_id, limit
        self._items: list[dict[str, Any]] | None = None

    def _load(self) -> list[dict[str, Any]]:
        if self._items is None:
            from ecomapp.mail.variables import product_vars
            from ecomapp.recommendations.picks import for_customer

            found = for_customer(self._store, self._customer_id, self._limit)
            self._items = [product_vars(p, self._store) for p in found]
        return self._items

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._load())

    @property
    def grid(self) -> Markup:
        """Return the recommendations as a product grid."""
        return grid_html(self._load())
