"""Merchant URLs never reach internal addresses: loopback, private, link-local (cloud metadata),
neither directly, nor through a name that resolves there, nor through a redirect."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable
from typing import Any

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.models import Run, Store, WooConnection
from tests.automation_support import deliver, make_automation
from tests.factories import make_store, order_record
from tests.fakes.merchant_receiver import receiving
from tests.fakes.woocommerce import payloads as wc
from tests.fakes.woocommerce.flow import connect, hook_for, start, woo_settings
from tests.fakes.woocommerce.flow import deliver as deliver_woo
from tests.fakes.woocommerce.server import FakeWooStore, running

PUBLIC_HOOK = "https://hooks.merchant.example/ecomapp"


def _allow_private(app: Flask, monkeypatch: pytest.MonkeyPatch, allowed: bool) -> None:
    settings = dataclasses.replace(app.config["SETTINGS"], allow_private_outbound=allowed)
    monkeypatch.setitem(app.config, "SETTINGS", settings)


def _notify_webhook(url: str, run_jobs: Callable[[], None]) -> Run:
    """Run a webhook-notification automation for one new order; return its run."""
    store = make_store()
    step = {
        "type": "action",
        "action": "notify_merchant",
        "params": {"channel": "webhook", "url": url, "title": "New order {{ order.name }}"},
    }
    make_automation(store, {"trigger": {"event": "order.created"}, "steps": [step]})
    deliver(store, "order", order_record())
    run_jobs()
    return db.session.scalar(select(Run))


def test_loopback_receiver_is_refused_when_private_outbound_is_off(
    app: Flask, monkeypatch: pytest.MonkeyPatch, run_jobs: Callable[[], None]
) -> None:
    """Given ALLOW_PRIVATE_OUTBOUND off, when the action posts to 127.0.0.1, then nothing is
    sent and the run fails, saying the address is private."""
    _allow_private(app, monkeypatch, False)
    with receiving() as receiver:
        run = _notify_webhook(receiver.url, run_jobs)
    assert receiver.received == []
    assert run.status == "failed" and "private address 127.0.0.1" in run.error


def test_loopback_receiver_is_reached_when_private_outbound_is_on(
    app: Flask, monkeypatch: pytest.MonkeyPatch, run_jobs: Callable[[], None]
) -> None:
    """Given ALLOW_PRIVATE_OUTBOUND on (development), when the action posts to 127.0.0.1, then
    the receiver gets one signed POST and the run completes."""
    _allow_private(app, monkeypatch, True)
    with receiving() as receiver:
        run = _notify_webhook(receiver.url, run_jobs)
    (request,) = receiver.received
    assert request["headers"]["X-Ecomapp-Signature"].startswith("sha256=")
    assert run.status == "done"


def test_name_resolving_to_loopback_is_refused(
    app: Flask, monkeypatch: pytest.MonkeyPatch, run_jobs: Callable[[], None]
) -> None:
    """Given a host name (localhost) that resolves to a loopback address, then it is refused
    after resolution and the receiver listening there gets nothing."""
    _allow_private(app, monkeypatch, False)
    with receiving() as receiver:
        run = _notify_webhook(receiver.url.replace("127.0.0.1", "localhost"), run_jobs)
    assert receiver.received == []
    assert run.status == "failed" and "private address" in run.error


@pytest.mark.parametrize(
    "target",
    # Port 1 for the metadata address: were the filter to regress, this test must still never
    # talk to a real metadata service (some sandboxes answer on port 80).
    ["receiver", "http://169.254.169.254:1/latest/meta-data/iam/security-credentials/"],
    ids=["loopback", "cloud-metadata"],
)
@responses.activate
def test_redirect_from_a_public_host_to_an_internal_address_is_refused(
    app: Flask, monkeypatch: pytest.MonkeyPatch, run_jobs: Callable[[], None], target: str
) -> None:
    """Given a public receiver that answers 307 to 127.0.0.1 or to the cloud metadata address,
    then the redirect is not followed there and the run fails naming the address."""
    _allow_private(app, monkeypatch, False)
    with receiving() as receiver:
        location = receiver.url if target == "receiver" else target
        responses.post(PUBLIC_HOOK, status=307, headers={"Location": location})
        responses.add_passthru("http://127.0.0.1")
        responses.add_passthru("http://169.254.169.254")
        run = _notify_webhook(PUBLIC_HOOK, run_jobs)
    assert len(responses.calls) == 1 and receiver.received == []
    address = "127.0.0.1" if target == "receiver" else "169.254.169.254"
    assert run.status == "failed" and f"private address {address}" in run.error


def test_redirect_between_public_hosts_is_followed(
    app: Flask, monkeypatch: pytest.MonkeyPatch, run_jobs: Callable[[], None]
) -> None:
    """Given a public receiver that moved (307 to another public host), then the POST lands."""
    _allow_private(app, monkeypatch, False)
    moved = "https://new-hooks.merchant.example/ecomapp"
    with responses.RequestsMock() as mock:
        mock.post(PUBLIC_HOOK, status=307, headers={"Location": moved})
        mock.post(moved, status=200)
        run = _notify_webhook(PUBLIC_HOOK, run_jobs)
        assert [c.request.url for c in mock.calls] == [PUBLIC_HOOK, moved]
    assert run.status == "done"


def _resolve_to(address: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "shop.internal-dns.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    return getaddrinfo


@pytest.mark.parametrize("address", ["10.0.0.8", "127.0.0.1", "169.254.169.254"])
def test_woocommerce_store_whose_name_resolves_to_an_internal_address_is_refused(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    """Given a store host name whose DNS answer is an internal address, when the merchant
    connects it, then 400 names the address and no pending connection is kept."""
    monkeypatch.setattr(socket, "getaddrinfo", _resolve_to(address, socket.getaddrinfo))
    with woo_settings(app, woocommerce_allow_http=False, app_url="https://app.example.com"):
        response = start(client, "https://shop.internal-dns.example")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and f"private address {address}" in text
    assert db.session.scalar(select(func.count()).select_from(WooConnection)) == 0


def test_woocommerce_store_on_a_public_address_connects(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a store host name resolving to a public address, then connecting proceeds."""
    monkeypatch.setattr(socket, "getaddrinfo", _resolve_to("93.184.215.14", socket.getaddrinfo))
    with woo_settings(app, woocommerce_allow_http=False, app_url="https://app.example.com"):
        response = start(client, "https://shop.internal-dns.example")
    assert response.status_code == 302


def test_connected_store_now_on_an_internal_address_is_not_called(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a WooCommerce store whose host resolves to loopback, connected in development,
    when the app runs with production settings and an automation notes an order, then the
    store gets no request and the run fails naming the private address."""
    with woo_settings(app), running(FakeWooStore()) as fake:
        fake.add("customers", wc.customer(5))
        connect(client, fake)
        run_jobs()
        store = db.session.scalar(select(Store))
        note = {"type": "action", "action": "order_note", "params": {"note": "Checked"}}
        make_automation(store, {"trigger": {"event": "order.created"}, "steps": [note]})
        fake.add("orders", wc.order(728, customer_id=5))
        deliver_woo(client, hook_for(fake, "order.created"), fake.orders[728])
        seen = len(fake.requests)
        with woo_settings(app, woocommerce_allow_http=False):
            run_jobs()
        assert len(fake.requests) == seen and fake.notes == []
    run = db.session.scalar(select(Run))
    assert run.status == "failed" and "resolves to the private address 127.0.0.1" in run.error
