"""Fixtures for the Shopify tests: a local Shopify stand-in injected as the httpx transport."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from flask import Flask

from ecomapp.platforms.shopify.store_ids import EXTENSION_KEY
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.support import CLIENT_ID, SECRET


@pytest.fixture
def fake(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeShopify]:
    """Return the Shopify stand-in every Shopify call of the app goes to in this test."""
    settings = dataclasses.replace(
        app.config["SETTINGS"], shopify_api_key=CLIENT_ID, shopify_api_secret=SECRET
    )
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    shopify = FakeShopify(
        client_id=app.config["SETTINGS"].shopify_api_key,
        client_secret=app.config["SETTINGS"].shopify_api_secret,
        api_version=app.config["SETTINGS"].shopify_api_version,
    )
    app.extensions["shopify_transport"] = httpx.WSGITransport(app=shopify)
    app.config.update(SHOPIFY_BACKOFF_SECONDS=0.01, SHOPIFY_BULK_POLL_SECONDS=0)
    yield shopify
    app.extensions.pop("shopify_transport", None)


@pytest.fixture(autouse=True)
def _fresh_store_ids(app: Flask) -> None:
    """Forget the door's cached store ids: every test starts from an empty database."""
    app.extensions.pop(EXTENSION_KEY, None)
