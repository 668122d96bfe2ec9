"""Shopify effects once: a worker killed after Shopify took a note or a discount code, before
the effect was recorded, is retried without a second note line or a second code."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from time_machine import TimeMachineFixture
from werkzeug.serving import make_server

from ecomapp.extensions import db
from ecomapp.models import Run, Store
from tests.automation_support import effects, make_automation
from tests.effects_support import (
    DISCOUNT,
    NOTE,
    on_order,
    retry_later,
    run_worker_until_killed,
)
from tests.fakes.shopify_server import FakeShopify, fixture_bytes
from tests.shopify.support import CLIENT_ID, SECRET, deliver, installed

SHOP = "super-toys.myshopify.com"
ORDER_GID = "gid://shopify/Order/820982911946154508"


@pytest.fixture
def origin(fake: FakeShopify) -> Iterator[str]:
    """Serve the stand-in on loopback too, for the worker process."""
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


def _order_arrives_and_worker_dies(
    client: FlaskClient, fake: FakeShopify, origin: str, database_url: str, op: str
) -> Store:
    """Deliver orders/create, run it in a worker killed once Shopify ran `op`; return the store."""
    store = installed(fake, SHOP)
    make_automation(store, on_order(NOTE if op == "orderUpdate" else DISCOUNT))
    assert (
        deliver(client, "orders/create", fixture_bytes("orders_create.json"), SHOP).status_code
        == 200
    )

    def arm(kill: Callable[[], None]) -> None:
        fake.on_write = lambda name: kill() if name == op else None

    shopify_env = {
        "SHOPIFY_API_KEY": CLIENT_ID,
        "SHOPIFY_API_SECRET": SECRET,
        "SHOPIFY_API_ORIGIN": origin,
    }
    stranded = None if op == "orderUpdate" else "running"  # the batch takes a last note
    run_worker_until_killed(database_url, arm, stranded, **shopify_env)
    fake.on_write = None
    return store


def test_worker_killed_after_shopify_note_then_retried_appends_once(
    app: Flask,
    client: FlaskClient,
    fake: FakeShopify,
    origin: str,
    database_url: str,
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
) -> None:
    """Given a note step, when the worker dies right after orderUpdate and the run is retried,
    then the order's note has the merchant's text and our line once, with its marker."""
    store = _order_arrives_and_worker_dies(client, fake, origin, database_url, "orderUpdate")
    retry_later(time_machine, run_jobs)
    note = fake.order_notes[ORDER_GID]
    assert re.fullmatch(r"Gift wrap please\nChecked #9999 \[ecomapp:[0-9a-f]{12}\]", note)
    assert len([c for c in fake.calls if c.get("op") == "orderUpdate"]) == 1
    assert effects(store) == 1


def test_worker_killed_after_shopify_discount_then_retried_finds_the_code(
    app: Flask,
    client: FlaskClient,
    fake: FakeShopify,
    origin: str,
    database_url: str,
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
) -> None:
    """Given a discount step, when the worker dies right after the code was created and the
    run is retried, then Shopify refuses the duplicate, the code is found, and one exists."""
    store = _order_arrives_and_worker_dies(
        client, fake, origin, database_url, "discountCodeBasicCreate"
    )
    retry_later(time_machine, run_jobs)
    (code,) = fake.discounts
    run = db.session.scalar(select(Run))
    assert code == run.outputs["discount_code"]
    assert db.session.scalar(select(Run.status)) == "done"
    assert [c["op"] for c in fake.calls if "iscount" in c.get("op", "")] == [
        "discountCodeBasicCreate",
        "discountCodeBasicCreate",
        "discountByCode",
    ]
    assert effects(store) == 1
