"""A signup's confirm link: signed (SECRET_KEY), single-use (a nonce), expiring (a row date)."""

from __future__ import annotations

from typing import Any

from ecomapp.mail.signing import public_url, sign, unsign

CONFIRM = "ecomapp-signup-confirm"


def confirm_url(signup_id: int, nonce: str) -> str:
    """Return the absolute confirm URL for one signup and its current nonce."""
    return public_url(f"/storefront/signup/confirm/{sign(CONFIRM, [signup_id, nonce])}")


def read_token(token: str) -> tuple[int, str] | None:
    """Return (signup id, nonce) of a genuine confirm token, or None when forged or altered."""
    payload: Any = unsign(CONFIRM, token)
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    signup_id, nonce = payload
    if not isinstance(signup_id, int) or not isinstance(nonce, str):
        return None
    return signup_id, nonce
