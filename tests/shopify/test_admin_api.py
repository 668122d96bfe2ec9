"""The Admin GraphQL client and the adapter operations automations call."""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from ecomapp.jobs.retry import TransientError
from ecomapp.platforms.base import DiscountSpec, RiskAssessment
from ecomapp.platforms.registry import get_adapter
from ecomapp.platforms.shopify.graphql import ShopifyAPIError
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.support import installed, session_token

SHOP = "super-toys.myshopify.com"


def _ops(fake: FakeShopify, name: str) -> list[dict[str, object]]:
    return [c for c in fake.calls if c.get("op") == name]


@pytest.mark.parametrize("script", [["throttled"], ["503"], ["500", "502"], ["429"]], ids=str)
def test_retries_throttling_and_server_errors_then_succeeds(
    fake: FakeShopify, script: list[str]
) -> None:
    """Given THROTTLED, 5xx or 429 answers first, the client retries and the tags are added."""
    store = installed(fake, SHOP)
    fake.script = list(script)
    get_adapter("shopify").add_tags(store, "customer", "706405506930370084", ["vip"])
    calls = _ops(fake, "tagsAdd")
    assert len(calls) == len(script) + 1
    assert calls[-1]["variables"] == {
        "id": "gid://shopify/Customer/706405506930370084",
        "tags": ["vip"],
    }


@pytest.mark.parametrize("script", [["400"], ["403"], ["404"], ["graphql_error"]], ids=str)
def test_client_errors_are_not_retried(fake: FakeShopify, script: list[str]) -> None:
    """Given a 4xx or a GraphQL error, the client raises a permanent error after one call."""
    store = installed(fake, SHOP)
    fake.script = list(script)
    with pytest.raises(ShopifyAPIError):
        get_adapter("shopify").add_tags(store, "order", "1", ["x"])
    assert len(_ops(fake, "tagsAdd")) == 1


def test_persistent_server_errors_become_a_transient_job_error(fake: FakeShopify) -> None:
    """Given 5xx on every try, the client gives up with TransientError (the job retries later)."""
    store = installed(fake, SHOP)
    fake.script = ["503"] * 10
    with pytest.raises(TransientError):
        get_adapter("shopify").add_tags(store, "product", "1", ["x"])
    assert len(_ops(fake, "tagsAdd")) == 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def origin(app: Flask, fake: FakeShopify, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Serve the stand-in on loopback and point SHOPIFY_API_ORIGIN at it."""
    server = make_server("127.0.0.1", _free_port(), fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.extensions.pop("shopify_transport")
    settings = dataclasses.replace(app.config["SETTINGS"], shopify_api_origin=url)
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    yield url
    server.shutdown()
    thread.join()


def test_api_origin_setting_sends_everything_to_a_local_server(
    client: FlaskClient, fake: FakeShopify, origin: str
) -> None:
    """Given SHOPIFY_API_ORIGIN, install and Admin calls reach the loopback server for that shop."""
    query = urlencode({"shop": SHOP, "id_token": session_token(SHOP)})
    assert client.get(f"/shopify/app?{query}").status_code == 302
    from ecomapp.platforms.shopify.install import find_store

    get_adapter("shopify").add_tags(find_store(SHOP), "order", "5", ["late"])
    assert [c["shop"] for c in fake.calls] == [SHOP, SHOP]
    assert _ops(fake, "tagsAdd")[0]["path"] == "/admin/api/2026-10/graphql.json"


def test_network_errors_are_retried_then_transient(
    app: Flask, fake: FakeShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given nothing listening at the API origin, the client retries and raises TransientError."""
    store = installed(fake, SHOP)
    app.extensions.pop("shopify_transport")
    closed = f"http://127.0.0.1:{_free_port()}"
    settings = dataclasses.replace(app.config["SETTINGS"], shopify_api_origin=closed)
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    with pytest.raises(TransientError, match="network error"):
        get_adapter("shopify").remove_tags(store, "order", "5", ["late"])


def test_pinned_api_version_comes_from_config(
    app: Flask, fake: FakeShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given SHOPIFY_API_VERSION 2026-07, requests go to that version's endpoint."""
    store = installed(fake, SHOP)
    settings = dataclasses.replace(app.config["SETTINGS"], shopify_api_version="2026-07")
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    fake.api_version = "2026-07"
    get_adapter("shopify").remove_tags(store, "customer", "9", ["a"])
    assert _ops(fake, "tagsRemove")[0]["path"] == "/admin/api/2026-07/graphql.json"


def test_order_note_is_appended(fake: FakeShopify) -> None:
    """Given an order with a note, adding a note keeps the old text and appends the new."""
    store = installed(fake, SHOP)
    get_adapter("shopify").add_order_note(store, "450789469", "Flagged by ecomapp")
    sent = _ops(fake, "orderUpdate")[0]["variables"]
    assert sent == {
        "input": {
            "id": "gid://shopify/Order/450789469",
            "note": "Gift wrap please\nFlagged by ecomapp",
        }
    }


def test_risk_assessment_is_created_with_facts(fake: FakeShopify) -> None:
    """Given a high risk verdict, Shopify gets riskLevel HIGH with each fact as negative."""
    store = installed(fake, SHOP)
    risk = RiskAssessment(level="high", facts=["Billing and shipping countries differ"])
    get_adapter("shopify").flag_order_risk(store, "450789469", risk)
    sent = _ops(fake, "orderRiskAssessmentCreate")[0]["variables"]["input"]
    assert sent["riskLevel"] == "HIGH"
    assert sent["facts"] == [
        {"description": "Billing and shipping countries differ", "sentiment": "NEGATIVE"}
    ]


def test_hold_touches_only_open_fulfillment_orders(fake: FakeShopify) -> None:
    """Given one open and one closed fulfillment order, only the open one is held."""
    store = installed(fake, SHOP)
    get_adapter("shopify").hold_fulfillment(store, "450789469", "Fraud check")
    holds = _ops(fake, "fulfillmentOrderHold")
    assert [h["variables"]["id"] for h in holds] == ["gid://shopify/FulfillmentOrder/1"]
    assert holds[0]["variables"]["hold"] == {"reason": "OTHER", "reasonNotes": "Fraud check"}


def test_release_skips_orders_without_holds(fake: FakeShopify) -> None:
    """Given no fulfillment order on hold, releasing sends no release mutation."""
    store = installed(fake, SHOP)
    get_adapter("shopify").release_fulfillment(store, "450789469")
    assert _ops(fake, "fulfillmentOrderReleaseHold") == []


def test_unpublish_uses_online_store_publication(fake: FakeShopify) -> None:
    """Given several publications, unpublishing targets the Online Store one."""
    store = installed(fake, SHOP)
    get_adapter("shopify").set_product_published(store, "788032119674292922", False)
    sent = _ops(fake, "publishableUnpublish")[0]["variables"]
    assert sent["input"] == [{"publicationId": "gid://shopify/Publication/2"}]


def test_discount_code_is_created_and_user_errors_name_the_field(fake: FakeShopify) -> None:
    """Given a spec, a code is created; a blank code is refused naming the field."""
    store = installed(fake, SHOP)
    adapter = get_adapter("shopify")
    spec = DiscountSpec(code="WELCOME10", percent_off=Decimal("10"))
    assert adapter.create_discount_code(store, spec) == "gid://shopify/DiscountCodeNode/77"
    sent = _ops(fake, "discountCodeBasicCreate")[0]["variables"]["discount"]
    assert sent["customerGets"]["value"] == {"percentage": 0.1} and sent["usageLimit"] == 1
    with pytest.raises(ShopifyAPIError, match=r"basicCodeDiscount\.code: Code can't be blank"):
        adapter.create_discount_code(store, DiscountSpec(code="", amount_off=Decimal("5")))


def test_read_inventory_returns_quantity_per_variant(fake: FakeShopify) -> None:
    """Given variant ids, the adapter returns available stock keyed by those ids."""
    store = installed(fake, SHOP)
    assert get_adapter("shopify").read_inventory(store, ["1", "2"]) == {"1": 7, "2": 7}
