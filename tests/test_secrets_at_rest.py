"""Store credentials are encrypted at rest and survive a key rotation."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from ecomapp.extensions import db
from ecomapp.secrets_at_rest import cipher
from tests.factories import make_store


def test_access_token_is_not_stored_in_clear(app: Flask) -> None:
    """Given a store with a token, then the database column holds ciphertext only."""
    store = make_store(platform="shopify", domain="a.myshopify.com")
    store.access_token = "shpat_secret_value"
    db.session.commit()
    raw = db.session.execute(text("SELECT access_token_enc FROM stores")).scalar_one()
    assert "shpat_secret_value" not in raw
    db.session.expire_all()
    assert db.session.get(type(store), store.id).access_token == "shpat_secret_value"


def test_old_key_still_decrypts_after_rotation(app: Flask) -> None:
    """Given a value encrypted with the old key, when a new key is first, then it decrypts."""
    token = cipher(("old-key",)).encrypt(b"refresh").decode()
    assert cipher(("new-key", "old-key")).decrypt(token.encode()) == b"refresh"


def test_wrong_key_is_a_clear_error(app: Flask) -> None:
    """Given ciphertext from another key, then decrypting names ENCRYPTION_KEY."""
    store = make_store()
    store.access_token_enc = cipher(("someone-else",)).encrypt(b"x").decode()
    with pytest.raises(ValueError, match="ENCRYPTION_KEY"):
        _ = store.access_token
