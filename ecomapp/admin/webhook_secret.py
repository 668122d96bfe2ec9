"""The store's signature secret for merchant webhooks, shown and rotated on the Settings page."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from ecomapp.automation.actions import SECRET_GENERATION, SIGNATURE_HEADER, webhook_secret
from ecomapp.extensions import db
from ecomapp.models import Store


def generation(store: Store) -> int:
    """Return how many times the store's webhook secret was rotated."""
    return int((store.settings or {}).get(SECRET_GENERATION) or 0)


def panel(store: Store) -> dict[str, Any]:
    """Return what the Settings page shows: the secret, its header and its generation."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return {
        "secret": webhook_secret(store, key),
        "header": SIGNATURE_HEADER,
        "generation": generation(store),
    }


def rotate(store_id: int, seen: int) -> bool:
    """Rotate once from the generation the merchant saw; a repeated or raced submit is a no-op.

    The store row is locked and the new generation is `seen + 1`, so two submits of the same
    form rotate exactly once (and agree on the result even where rows cannot be locked).
    """
    store = db.session.scalar(select(Store).where(Store.id == store_id).with_for_update())
    if store is None or generation(store) != seen:
        return False
    store.settings = (store.settings or {}) | {SECRET_GENERATION: seen + 1}
    return True
