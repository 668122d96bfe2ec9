"""Public mail endpoints (no store login): one-click unsubscribe, open pixel, click redirect."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, abort, redirect, render_template

from ecomapp.extensions import db
from ecomapp.mail import signing
from ecomapp.mail.consent import unsubscribe
from ecomapp.mail.tracking import record
from ecomapp.models import Message, Store, TrackingKind

bp = Blueprint("mail_public", __name__, url_prefix="/m")

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}


def _message(purpose: str, token: str) -> Message:
    payload = signing.unsign(purpose, token)
    message_id = payload[0] if isinstance(payload, list) and payload else payload
    message = db.session.get(Message, message_id) if isinstance(message_id, int) else None
    if message is None:
        abort(404, "This link is not valid.")
    return message


def _store_name(message: Message) -> str:
    store = db.session.get(Store, message.store_id)
    return (store.name or store.domain) if store else ""


@bp.get("/u/<token>")
def unsubscribe_page(token: str) -> tuple[str, int, dict[str, str]]:
    """Show a confirm button; a GET never unsubscribes (link scanners prefetch GETs)."""
    message = _message(signing.UNSUBSCRIBE, token)
    html = render_template(
        "mail/unsubscribe.html", store_name=_store_name(message), done=False, token=token
    )
    return html, 200, NO_STORE


@bp.post("/u/<token>")
def unsubscribe_post(token: str) -> tuple[str, int, dict[str, str]]:
    """Unsubscribe by POST (RFC 8058 one-click or the confirm button); idempotent."""
    message = _message(signing.UNSUBSCRIBE, token)
    unsubscribe(message)
    db.session.commit()
    html = render_template("mail/unsubscribe.html", store_name=_store_name(message), done=True)
    return html, 200, NO_STORE


@bp.get("/o/<token>.gif")
def open_pixel(token: str) -> Response:
    """Record an open and answer a transparent 1x1 GIF."""
    message = _message(signing.OPEN, token)
    record(message, TrackingKind.OPEN)
    db.session.commit()
    return Response(PIXEL, mimetype="image/gif", headers=NO_STORE)


@bp.get("/c/<token>")
def click(token: str) -> Response:
    """Record a click and redirect to the signed target; altered links are refused."""
    payload = signing.unsign(signing.CLICK, token)
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[1], str)):
        abort(404, "This link is not valid.")
    target = payload[1]
    if not target.startswith(("https://", "http://")):
        abort(404, "This link is not valid.")
    message = _message(signing.CLICK, token)
    record(message, TrackingKind.CLICK, target)
    db.session.commit()
    return redirect(target, code=302)  # type: ignore[return-value]


from ecomapp.mail import provider_hooks  # noqa: E402,F401  (its route joins bp)
