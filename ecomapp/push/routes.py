"""GET /p/c/<token>: a push notification's tracked click, redirected to its URL."""

from __future__ import annotations

from flask import Blueprint, abort, redirect
from sqlalchemy import select
from werkzeug.wrappers import Response

from ecomapp.extensions import db
from ecomapp.models import PushMessage, Store
from ecomapp.models.types import utcnow

bp = Blueprint("push_public", __name__)


@bp.route("/p/c/<token>")
def click(token: str) -> Response:
    """Record the first click of a push (for attribution) and send the shopper on."""
    message = db.session.scalar(select(PushMessage).where(PushMessage.click_token == token[:64]))
    if message is None:
        abort(404)
    message.clicked_at = message.clicked_at or utcnow()
    store = db.session.get(Store, message.store_id)
    db.session.commit()
    target = message.url or (f"https://{store.domain}" if store else "/")
    return redirect(target, 302)
