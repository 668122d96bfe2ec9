"""Demo deliveries: canonical records as JSON, turned back into dataclasses."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecomapp.mirror import records as r
from ecomapp.mirror.carts import apply_cart
from ecomapp.mirror.customers import apply_customer
from ecomapp.mirror.orders import apply_order
from ecomapp.mirror.products import apply_inventory, apply_product
from ecomapp.models import Store

TOPICS: dict[str, tuple[type, Any]] = {
    "customer": (r.CustomerRecord, apply_customer),
    "order": (r.OrderRecord, apply_order),
    "product": (r.ProductRecord, apply_product),
    "inventory": (r.InventoryRecord, apply_inventory),
    "cart": (r.CartRecord, apply_cart),
}


def build(cls: type, data: dict[str, Any]) -> Any:
    """Return an instance of a record dataclass from JSON-shaped data."""
    hints = typing.get_type_hints(cls, vars(r))
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner[0], value)
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_convert(item, v) for v in value]
    if hint is Decimal:
        return Decimal(str(value))
    if hint is datetime:
        return datetime.fromisoformat(value)
    if dataclasses.is_dataclass(hint):
        return build(hint, value)  # type: ignore[arg-type]
    return value


def apply_payload(store: Store, topic: str, payload: dict[str, Any]) -> bool:
    """Apply one demo delivery; return False for an unknown topic."""
    if topic not in TOPICS:
        return False
    cls, apply = TOPICS[topic]
    apply(store, build(cls, payload))
    return True


def to_payload(record: Any) -> dict[str, Any]:
    """Return JSON-shaped data for a record (inverse of build)."""
    return _jsonable(dataclasses.asdict(record))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
