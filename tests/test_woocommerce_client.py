"""The wc/v3 client: retries with backoff on network errors, 5xx and 429, never on 4xx."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.platforms.woocommerce.client import WooClient, WooCommerceError

BASE = "https://shop.example.com/wp-json/wc/v3"


@pytest.fixture
def waits() -> list[float]:
    """Return the list the client's sleeps are recorded in."""
    return []


@pytest.fixture
def client(waits: list[float]) -> WooClient:
    """Return a client for an https store that records its backoff instead of sleeping."""
    return WooClient("https://shop.example.com", "ck_x", "cs_y", sleep=waits.append, backoff=0.5)


@responses.activate
@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_retries_server_errors_and_throttling_then_succeeds(
    client: WooClient, waits: list[float], status: int
) -> None:
    """Given two failures then a success, then the call succeeds after backing off twice."""
    for _ in range(2):
        responses.get(f"{BASE}/orders/1", status=status)
    responses.get(f"{BASE}/orders/1", json={"id": 1})
    assert client.request("GET", "orders/1") == {"id": 1}
    assert len(responses.calls) == 3 and waits == [0.5, 1.0]


@responses.activate
def test_honours_retry_after_on_429(client: WooClient, waits: list[float]) -> None:
    """Given a 429 with Retry-After: 7, then the client waits at least 7 seconds."""
    responses.get(f"{BASE}/orders/1", status=429, headers={"Retry-After": "7"})
    responses.get(f"{BASE}/orders/1", json={"id": 1})
    client.request("GET", "orders/1")
    assert waits == [7.0]


@responses.activate
def test_long_retry_after_goes_back_to_the_job_runner(
    client: WooClient, waits: list[float]
) -> None:
    """Given a 429 asking for two minutes, then no sleep: a TransientError carries the delay."""
    responses.get(f"{BASE}/orders/1", status=429, headers={"Retry-After": "120"})
    with pytest.raises(TransientError) as caught:
        client.request("GET", "orders/1")
    assert caught.value.retry_after == 120.0 and waits == [] and len(responses.calls) == 1


@responses.activate
def test_gives_up_with_a_transient_error_for_the_job_to_retry(
    client: WooClient, waits: list[float]
) -> None:
    """Given a store that keeps failing, then a TransientError after three tries."""
    responses.get(f"{BASE}/orders/1", status=503)
    with pytest.raises(TransientError, match="HTTP 503"):
        client.request("GET", "orders/1")
    assert len(responses.calls) == 3


@responses.activate
def test_retries_network_errors(client: WooClient, waits: list[float]) -> None:
    """Given a connection error then a success, then the call succeeds."""
    responses.get(f"{BASE}/orders/1", body=requests.ConnectionError("reset"))
    responses.get(f"{BASE}/orders/1", json={"id": 1})
    assert client.request("GET", "orders/1") == {"id": 1} and len(waits) == 1


@responses.activate
@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_never_retries_client_errors(client: WooClient, waits: list[float], status: int) -> None:
    """Given a 4xx, then one call and a permanent error carrying WooCommerce's message."""
    body = {"code": "woocommerce_rest_invalid_id", "message": "Invalid ID.", "data": {}}
    responses.get(f"{BASE}/orders/9", status=status, json=body)
    with pytest.raises(WooCommerceError, match="Invalid ID") as caught:
        client.request("GET", "orders/9")
    assert isinstance(caught.value, PermanentError) and caught.value.status == status
    assert len(responses.calls) == 1 and waits == []


@responses.activate
def test_uses_basic_auth_over_https(client: WooClient) -> None:
    """Given an https store, then keys travel as Basic auth, not in the URL."""
    responses.get(f"{BASE}/orders/1", json={"id": 1})
    client.request("GET", "orders/1")
    sent = responses.calls[0].request
    assert sent.headers["Authorization"].startswith("Basic ") and "ck_x" not in sent.url


@responses.activate
def test_pages_follow_x_wp_totalpages(client: WooClient) -> None:
    """Given three pages, then every item is read, in order, with per_page=100."""
    for page in (1, 2, 3):
        responses.get(
            f"{BASE}/customers",
            json=[{"id": page * 10 + i} for i in range(2)],
            headers={"X-WP-Total": "6", "X-WP-TotalPages": "3"},
            match=[responses.matchers.query_param_matcher({"page": str(page), "per_page": "100"})],
        )
    assert [c["id"] for c in client.all("customers")] == [10, 11, 20, 21, 30, 31]


@responses.activate
def test_batch_updates_go_in_chunks_of_100(client: WooClient) -> None:
    """Given 250 updates, then three batch requests of 100, 100 and 50."""
    responses.post(f"{BASE}/products/batch", json={"update": []})
    client.batch("products", "update", [{"id": i, "stock_quantity": 1} for i in range(250)])
    sizes = [len(json.loads(call.request.body)["update"]) for call in responses.calls]
    assert sizes == [100, 100, 50]


@responses.activate
@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_store_redirect_is_never_followed(client: WooClient, status: int) -> None:
    """Given a store answering with a redirect to the cloud metadata address, then the client
    refuses it without following, naming where it pointed, and does not retry."""
    metadata = "http://169.254.169.254/latest/meta-data/"
    responses.get(f"{BASE}/orders/1", status=status, headers={"Location": metadata})
    responses.get(metadata, body="secret")
    with pytest.raises(WooCommerceError, match=r"redirect to http://169\.254\.169\.254/") as caught:
        client.request("GET", "orders/1")
    assert isinstance(caught.value, PermanentError)
    assert [c.request.url for c in responses.calls] == [f"{BASE}/orders/1"]


@responses.activate
def test_a_plain_http_store_redirect_is_never_followed(waits: list[float]) -> None:
    """Given a plain-http store (OAuth 1.0a) redirecting a POST, then it is not followed."""
    plain = WooClient("http://shop.example.com", "ck_x", "cs_y", sleep=waits.append)
    target = "http://127.0.0.1:6379/"
    responses.post(
        "http://shop.example.com/wp-json/wc/v3/orders/1/notes",
        status=307,
        headers={"Location": target},
    )
    responses.post(target, body="+OK")
    with pytest.raises(WooCommerceError, match="not followed"):
        plain.request("POST", "orders/1/notes", {"note": "x"})
    assert len(responses.calls) == 1
