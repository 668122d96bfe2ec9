"""Signed, opaque tokens for unsubscribe, open and click links (SECRET_KEY, per purpose)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

UNSUBSCRIBE = "ecomapp-mail-unsubscribe"
OPEN = "ecomapp-mail-open"
CLICK = "ecomapp-mail-click"


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def sign(purpose: str, payload: Any) -> str:
    """Return a URL-safe token carrying payload, signed for one purpose."""
    return _serializer(purpose).dumps(payload)


def unsign(purpose: str, token: str) -> Any | None:
    """Return the payload of a token signed for this purpose, or None if forged or altered."""
    try:
        return _serializer(purpose).loads(token)
    except BadSignature:
        return None


def public_url(path: str) -> str:
    """Return an absolute URL of this app (APP_URL) for a path."""
    return current_app.config["SETTINGS"].app_url.rstrip("/") + path


def unsubscribe_url(message_id: int) -> str:
    """Return the one-click unsubscribe URL of a message."""
    return public_url(f"/m/u/{sign(UNSUBSCRIBE, message_id)}")


def open_pixel_url(message_id: int) -> str:
    """Return the open-tracking pixel URL of a message."""
    return public_url(f"/m/o/{sign(OPEN, message_id)}.gif")


def click_url(message_id: int, target: str) -> str:
    """Return a signed redirect URL that records a click, then goes to target."""
    return public_url(f"/m/c/{sign(CLICK, [message_id, target])}")
