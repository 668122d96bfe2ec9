"""Signed, opaque tokens for unsubscribe, open and click links (SECRET_KEY, per purpose)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

UNSUBSCRIBE = "ecomapp-mail-unsubscribe"
OPEN = "ecomapp-mail-open"
CLICK = "ecomapp-mail-click"


class Tokens:
    """itsdangerous URLSafeSerializer tokens with the key derived once (same format, no zlib).

    `loads` of the same serializer accepts them; checked once when made.
    """

    def __init__(self, secret: str | bytes, salt: str) -> None:
        self.serializer = URLSafeSerializer(secret, salt=salt)
        self.mac = hmac.new(self.serializer.make_signer(salt).derive_key(), None, hashlib.sha1)
        probe = [1, "https://example.com/"]
        if self.serializer.loads(self.dumps(probe)) != probe:
            raise RuntimeError("mail link tokens would not verify")

    def dumps(self, payload: object) -> str:
        """Return the signed, URL-safe token of a JSON payload."""
        body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
        value = body.rstrip(b"=")
        mac = self.mac.copy()
        mac.update(value)
        return (value + b"." + base64.urlsafe_b64encode(mac.digest()).rstrip(b"=")).decode()


@lru_cache(maxsize=32)
def _tokens(secret: str | bytes, purpose: str) -> Tokens:
    return Tokens(secret, purpose)


def tokens(purpose: str) -> Tokens:
    """Return the token maker of a purpose under this app's SECRET_KEY (made once)."""
    return _tokens(current_app.config["SECRET_KEY"], purpose)


def sign(purpose: str, payload: Any) -> str:
    """Return a URL-safe token carrying payload, signed for one purpose."""
    return tokens(purpose).dumps(payload)


def unsign(purpose: str, token: str) -> Any | None:
    """Return the payload of a token signed for this purpose, or None if forged or altered."""
    try:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=purpose).loads(token)
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
