"""Encrypt tokens at rest with Fernet keys derived from ENCRYPTION_KEY (rotation: a,b)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any, overload

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


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


class Ciphertext(TypeDecorator[str]):
    """The column type of every secret kept at rest: Fernet ciphertext, never plain text.

    Values are encrypted and decrypted by `Encrypted` on attribute access, not on load, so a row
    loads even when a key is missing and only the use of that secret fails, naming the key.
    """

    impl = Text
    cache_ok = True


class Encrypted:
    """A model attribute that reads and writes a Ciphertext column in plain text."""

    def __init__(self, column: str) -> None:
        self.column = column

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Encrypted: ...
    @overload
    def __get__(self, obj: object, owner: type[Any]) -> str | None: ...
    def __get__(self, obj: object | None, owner: type[Any]) -> Encrypted | str | None:
        """Return the decrypted value (the descriptor itself on the class)."""
        if obj is None:
            return self
        return decrypt(getattr(obj, self.column))

    def __set__(self, obj: object, value: str | None) -> None:
        """Encrypt the value into the column."""
        setattr(obj, self.column, encrypt(value))
