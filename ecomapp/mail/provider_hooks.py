"""Provider webhooks: Postmark bounces and spam complaints feed the suppression list."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from ecomapp.extensions import db
from ecomapp.mail import signing
from ecomapp.mail.public import bp
from ecomapp.mail.suppressions import suppress
from ecomapp.models import Message, Store, SuppressionReason, utcnow

HOOK = "ecomapp-mail-provider-hook"
HARD_BOUNCE_TYPES = {"HardBounce", "BadEmailAddress", "ManuallyDeactivated"}


def hook_url(store: Store) -> str:
    """Return the Postmark webhook URL for a store (signed; paste it into Postmark)."""
    return signing.public_url(f"/m/hooks/postmark/{signing.sign(HOOK, store.id)}")


def _store(token: str) -> Store:
    store_id = signing.unsign(HOOK, token)
    store = db.session.get(Store, store_id) if isinstance(store_id, int) else None
    if store is None or not store.is_active:
        abort(404)
    return store


def _reason(payload: dict[str, Any]) -> SuppressionReason | None:
    record = payload.get("RecordType")
    if record == "SpamComplaint" or payload.get("Type") == "SpamComplaint":
        return SuppressionReason.COMPLAINT
    if record == "Bounce" and payload.get("Type") in HARD_BOUNCE_TYPES:
        return SuppressionReason.HARD_BOUNCE
    return None


@bp.post("/hooks/postmark/<token>")
def postmark_hook(token: str) -> Response | tuple[Response, int]:
    """Record a hard bounce or complaint from Postmark; other events are acknowledged."""
    store = _store(token)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("Email"), str):
        return jsonify(error="expected a Postmark webhook JSON object with Email"), 400
    reason = _reason(payload)
    if reason is None:
        return jsonify(status="ignored")
    message = db.session.scalar(
        select(Message).where(
            Message.store_id == store.id, Message.provider_id == str(payload.get("MessageID"))
        )
    )
    detail = str(payload.get("Description") or payload.get("Details") or payload.get("Type"))
    suppress(store, payload["Email"], reason, message.id if message else None, detail)
    if message is not None and reason is SuppressionReason.HARD_BOUNCE:
        message.bounced_at = message.bounced_at or utcnow()
    db.session.commit()
    return jsonify(status="recorded", reason=reason.value)
