"""The smart collection form: read, check (errors name the field), apply."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ecomapp.extensions import db
from ecomapp.models import Product, SmartCollection
from ecomapp.models.collections import CollectionKind

KIND_LABELS = {
    CollectionKind.BEST_SELLERS: "Best sellers",
    CollectionKind.TOP_RATED: "Top rated",
    CollectionKind.NEW_ARRIVALS: "New arrivals",
    CollectionKind.MOST_SEARCHED: "Most searched",
    CollectionKind.TRENDING: "Trending",
}
SCOPES = {"": "Whole store", "type": "Product type", "category": "Category or collection id"}
MAX_SIZE = 250


@dataclass
class CollectionForm:
    """The submitted values, as text, and what is wrong with them by field name."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def form_values(collection: SmartCollection | None) -> dict[str, str]:
    """Return the form's text values for an existing collection (or the defaults)."""
    if collection is None:
        return {"kind": "best_sellers", "size_limit": "20", "refresh_hour": "3", "metric": "units"}
    params = collection.params or {}
    return {
        "title": collection.title,
        "kind": collection.kind,
        "days": str(params.get("days") or ""),
        "metric": str(params.get("metric") or "units"),
        "min_ratings": str(params.get("min_ratings") or ""),
        "scope_kind": collection.scope_kind,
        "scope_value": collection.scope_value,
        "size_limit": str(collection.size_limit),
        "pins": "\n".join(collection.pins),
        "exclusions": "\n".join(collection.exclusions),
        "refresh_hour": str(collection.refresh_hour),
    }


def _int(form: CollectionForm, name: str, low: int, high: int, required: bool) -> int | None:
    text = form.values.get(name, "").strip()
    if not text and not required:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        form.errors[name] = f"{name}: " + _(
            "a whole number from %(low)s to %(high)s", low=low, high=high
        )
        return None
    return int(text)


def _ids(form: CollectionForm, name: str, store_id: int) -> list[str]:
    ids = list(dict.fromkeys(t for t in re.split(r"[\s,]+", form.values.get(name, "")) if t))
    if not ids:
        return []
    known = set(
        db.session.scalars(
            select(Product.platform_id).where(
                Product.store_id == store_id, Product.platform_id.in_(ids)
            )
        )
    )
    unknown = [i for i in ids if i not in known]
    if unknown:
        form.errors[name] = f"{name}: " + _(
            "no product with id %(ids)s in this store", ids=", ".join(unknown[:5])
        )
    return ids


def check(raw: MultiDict[str, str], store_id: int) -> tuple[CollectionForm, dict[str, Any]]:
    """Return the form and, when it has no errors, the collection's fields."""
    form = CollectionForm({k: str(v) for k, v in raw.items() if k != "csrf_token"})
    title = form.values.get("title", "").strip()
    if not title or len(title) > 255:
        form.errors["title"] = "title: " + _("required, at most 255 characters")
    kind = form.values.get("kind", "")
    if kind not in {k.value for k in CollectionKind}:
        choices = ", ".join(k.value for k in CollectionKind)
        form.errors["kind"] = "kind: " + _("choose one of %(choices)s", choices=choices)
    metric = form.values.get("metric", "units") or "units"
    if metric not in ("units", "revenue"):
        form.errors["metric"] = "metric: " + _("units or revenue")
    scope_kind, scope_value = form.values.get("scope_kind", ""), form.values.get("scope_value", "")
    if scope_kind not in SCOPES:
        form.errors["scope_kind"] = "scope_kind: " + _("whole store, product type or category")
    elif scope_kind and not scope_value.strip():
        form.errors["scope_value"] = "scope_value: " + _("say which product type or category")
    elif scope_kind == "category" and not scope_value.strip().isdigit():
        form.errors["scope_value"] = "scope_value: " + _("a category's numeric id")
    params = {
        "days": _int(form, "days", 1, 365, False),
        "metric": metric,
        "min_ratings": _int(form, "min_ratings", 1, 100000, False),
    }
    fields = {
        "title": title,
        "kind": kind,
        "params": {k: v for k, v in params.items() if v is not None},
        "scope_kind": scope_kind,
        "scope_value": scope_value.strip() if scope_kind else "",
        "size_limit": _int(form, "size_limit", 1, MAX_SIZE, True),
        "refresh_hour": _int(form, "refresh_hour", 0, 23, True),
        "pins": _ids(form, "pins", store_id),
        "exclusions": _ids(form, "exclusions", store_id),
    }
    return form, fields
