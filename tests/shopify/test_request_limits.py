"""Request size limits: oversized bodies get 413 before they are read, and leave no row."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.admin.auth import login_token
from ecomapp.extensions import db
from ecomapp.models import InboxDelivery, Store
from ecomapp.request_limits import CAPS, DEFAULT_CAP
from tests.factories import make_store
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, deliver, hook_for, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.shopify.support import deliver as deliver_shopify
from tests.shopify.support import installed, signed_headers

SHOP = "super-toys.myshopify.com"
WEBHOOK_CAP = CAPS["shopify_webhooks.receive"]


class CountingStream(io.RawIOBase):
    """A 16 MiB request body of spaces that counts how many bytes the app read from it."""

    def __init__(self, total: int = 16 * 1024 * 1024) -> None:
        self.total = total
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = min(len(buffer), self.total - self.read_bytes)
        buffer[:size] = b" " * size
        self.read_bytes += size
        return size


def _inbox_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(InboxDelivery)) or 0


def _big_order(size: int) -> bytes:
    return json.dumps(fixture("orders_create.json") | {"note": "x" * size}).encode()


def test_oversized_signed_shopify_webhook_gets_413_and_no_row(
    client: FlaskClient, fake: FakeShopify
) -> None:
    """Given a signed 6 MiB order, when delivered, then 413 and no inbox row."""
    installed(fake, SHOP)
    response = deliver_shopify(client, "orders/create", _big_order(6 * 1024 * 1024), SHOP)
    assert response.status_code == 413 and _inbox_rows() == 0


def test_declared_huge_unsigned_body_is_refused_without_reading_it(client: FlaskClient) -> None:
    """Given Content-Length 256 MB and no signature, then 413 and not one byte read."""
    body = CountingStream()
    response = client.post(
        "/webhooks/shopify",
        headers={"X-Shopify-Topic": "orders/create"},
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(256 * 1024 * 1024)},
    )
    assert response.status_code == 413 and body.read_bytes == 0 and _inbox_rows() == 0


def test_chunked_body_stops_being_read_past_the_cap(client: FlaskClient, fake: FakeShopify) -> None:
    """Given a 16 MiB chunked body (no Content-Length), then 413 after about the cap read."""
    installed(fake, SHOP)
    body = CountingStream()
    headers = signed_headers("orders/create", b"{}", SHOP) | {"Transfer-Encoding": "chunked"}
    response = client.post(
        "/webhooks/shopify",
        headers=headers,
        environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True},
    )
    assert response.status_code == 413 and _inbox_rows() == 0
    assert body.read_bytes <= WEBHOOK_CAP + 64 * 1024


@pytest.fixture
def woo(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[FakeWooStore]:
    """Return a loopback WooCommerce store connected to the app."""
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        yield store


def test_oversized_signed_woocommerce_webhook_gets_413_and_no_row(
    client: FlaskClient, woo: FakeWooStore
) -> None:
    """Given a signed 6 MiB WooCommerce order, when delivered, then 413 and no inbox row."""
    payload = wc.order(727) | {"customer_note": "x" * (6 * 1024 * 1024)}
    response = deliver(client, hook_for(woo, "order.created"), payload)
    assert response.status_code == 413 and _inbox_rows() == 0


def test_oversized_panel_form_gets_413_and_changes_nothing(client: FlaskClient) -> None:
    """Given a signed-in merchant, when a 2 MiB settings form is posted, then 413, nothing saved."""
    store = make_store()
    client.get(f"/login/{login_token(store)}")
    page = client.get("/settings").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": csrf, "abandon_after_minutes": "30", "low_stock_threshold": "5"}
    form["padding"] = "x" * (DEFAULT_CAP + 1024)
    assert client.post("/settings", data=form).status_code == 413
    assert "abandon_after_minutes" not in db.session.get(Store, store.id).settings
    form.pop("padding")
    assert client.post("/settings", data=form).status_code == 200
