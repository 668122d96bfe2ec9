"""Demo seed: shoppers waiting for some of the demo store's sold-out variants."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete

from ecomapp.extensions import db
from ecomapp.inventory.back_in_stock import DEFAULT_EXPIRY_DAYS, WAITING
from ecomapp.models import BackInStockRequest, PushMessage, PushSubscription, Store

CONSENT = "Email me once when this item is back in stock."


def clear_waiting(store_id: int) -> None:
    """Delete a store's requests and push rows (before its variants go)."""
    for model in (BackInStockRequest, PushMessage, PushSubscription):
        db.session.execute(delete(model).where(model.store_id == store_id))


def seed_waiting(
    store: Store, variants: list[dict[str, Any]], customers: list[dict[str, Any]], now: datetime
) -> int:
    """Give up to eight sold-out variants 1-6 waiting customers each; return how many."""
    rng = random.Random(store.id * 7919 + len(customers))  # its own stream: orders stay the same
    sold_out = [v["variant"] for v in variants if v["variant"].inventory_quantity == 0][:8]
    rows = []
    for variant in sold_out:
        for customer in rng.sample(customers, min(len(customers), rng.randint(1, 6))):
            asked = now - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
            rows.append(
                BackInStockRequest(
                    store_id=store.id,
                    request_key=uuid.UUID(int=rng.getrandbits(128)).hex,
                    variant_id=variant.id,
                    product_id=variant.product_id,
                    customer_id=customer["id"],
                    email=customer["email"],
                    channel="email",
                    consent_text=CONSENT,
                    source="demo",
                    status=WAITING,
                    created_at=asked,
                    expires_at=asked + timedelta(days=DEFAULT_EXPIRY_DAYS),
                )
            )
    rows.sort(key=lambda r: r.created_at)  # ids follow the order shoppers asked in
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)
