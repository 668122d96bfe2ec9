"""Encrypt tokens at rest with Fernet keys derived from ENCRYPTION_KEY (rotation: a,b)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def cipher(keys: tuple[str, ...] | None = None) -> MultiFernet:
    """Return a MultiFernet: the first key encrypts, every key decrypts."""
    if keys is None:
        keys = current_app.config["SETTINGS"].encryption_keys
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def encrypt(value: str | None) -> str | None:
    """Return the ciphertext of value, or None."""
    if value is None:
        return None
    return cipher().encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    """Return the plaintext of token, or None; raise ValueError if no key opens it."""
    if token is None:
        return None
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with ENCRYPTION_KEY") from exc
