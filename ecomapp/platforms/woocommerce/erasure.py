"""WooCommerce erasure: a deleted customer, and WordPress' personal-data eraser via the plugin."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ecomapp.models import InboxDelivery, Store
from ecomapp.privacy import ErasureRequest, erase_person

CUSTOMER_DELETED_TOPIC = "customer.deleted"
PLUGIN_ERASE_TOPIC = "plugin.erase"
ERASE_EVENT = "personal_data.erase"


class EraseRefused(ValueError):
    """An erase request we refuse; the message says why."""


def erase_deleted_customer(store: Store, payload: dict[str, Any], delivery: InboxDelivery) -> bool:
    """Erase a deleted WordPress user everywhere the app kept them (their orders' data too)."""
    customer_id = str(payload.get("id") or "")
    if not customer_id:
        return False
    request = ErasureRequest(
        customer_ids=[customer_id], body_marks=[f'"customer_id":{customer_id},'.encode()]
    )
    erase_person(store, request, delivery.id)
    delivery.body = json.dumps({"id": payload.get("id")}).encode()
    return True


def check_erase(event: Any) -> dict[str, Any]:
    """Return a well-formed erase request from the plugin, or raise EraseRefused."""
    if not isinstance(event, dict) or event.get("event") != ERASE_EVENT:
        raise EraseRefused(f"event must be an object with event = {ERASE_EVENT}")
    email = event.get("email")
    if not isinstance(email, str) or "@" not in email or len(email) > 255:
        raise EraseRefused("email must be an e-mail address of at most 255 characters")
    return event


def erase_key(store_id: int, body: bytes) -> str:
    """Return the dedupe key of an erase request: store + a digest of the signed bytes."""
    return f"{store_id}:erase:{hashlib.sha256(body).hexdigest()}"


def erase_by_email(store: Store, payload: dict[str, Any], delivery: InboxDelivery) -> bool:
    """Erase everyone the store knows by this e-mail (guest rows and registered users)."""
    erase_person(store, ErasureRequest(emails=[str(payload["email"])]), delivery.id)
    delivery.body = json.dumps({"event": ERASE_EVENT, "email": "redacted"}).encode()
    return True
