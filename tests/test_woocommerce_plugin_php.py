"""The companion plugin's PHP: it lints, and its real signing code is accepted by the app."""

from __future__ import annotations

import base64
import hmac
import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from time_machine import TimeMachineFixture, escape_hatch

from ecomapp.extensions import db
from ecomapp.models import Cart, Event, SearchTermDay
from tests.fakes.woocommerce.flow import connect, woo_settings
from tests.fakes.woocommerce.server import CONSUMER_KEY, FakeWooStore, running
from tests.services import IN_CI

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "wordpress-plugin" / "ecomapp-connector"
HARNESS = ROOT / "tests" / "fakes" / "woocommerce" / "wp_harness.php"
PHP = shutil.which("php")


def _php_or_skip() -> str:
    if PHP is None:
        if IN_CI:
            pytest.fail("php is not installed: CI must `apt-get install -y php-cli`")
        pytest.skip("php is not installed")
    return PHP


@pytest.mark.parametrize(
    "path",
    [*sorted(PLUGIN.rglob("*.php")), HARNESS, HARNESS.with_name("wp_store_fakes.php")],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_php_files_have_no_syntax_errors(path: Path) -> None:
    """Given a PHP file of the plugin, when `php -l` runs, then it reports no syntax error."""
    result = subprocess.run(
        [_php_or_skip(), "-l", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_plugin_has_its_main_file_uninstall_and_readme() -> None:
    """Given the plugin folder, then it has the files WordPress expects."""
    main = (PLUGIN / "ecomapp-connector.php").read_text()
    assert re.search(r"^ \* Plugin Name:\s+ecomapp Connector$", main, re.MULTILINE)
    assert "WP_UNINSTALL_PLUGIN" in (PLUGIN / "uninstall.php").read_text()
    assert "=== ecomapp Connector ===" in (PLUGIN / "readme.txt").read_text()


@pytest.fixture
def key(app: Flask, client: FlaskClient, run_jobs: Callable[[], None]) -> Iterator[str]:
    """Return the connection key the panel shows for a freshly connected store."""
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        page = client.get("/woocommerce").get_data(as_text=True)
        yield page.split('data-testid="plugin-key">')[1].split("<")[0]


def _run_plugin(key: str, event: dict[str, Any]) -> dict[str, Any]:
    payload = json.dumps({"key": key, "event": event, "user": 1})
    result = subprocess.run(
        [_php_or_skip(), str(HARNESS), payload], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _event() -> dict[str, Any]:
    items = [{"product_id": 41, "variation_id": 0, "quantity": 1, "name": "Mug", "price": "9.00"}]
    cart = {"key": "Ab12", "email": "ada@example.com", "customer_id": 0, "items": items}
    cart |= {"total": "9.00", "currency": "EUR", "recovery_url": "https://shop.example.com/cart/"}
    return {"event": "cart.updated", "cart": cart | {"updated_at_gmt": "2026-11-26T10:00:00"}}


def test_plugin_signed_event_is_accepted_and_becomes_a_cart(
    client: FlaskClient, key: str, run_jobs: Callable[[], None]
) -> None:
    """Given the plugin's own PHP signing an event, when posted, then the app makes a cart."""
    sent = _run_plugin(key, _event())
    assert sent["blocking"] is False and "\\/" in sent["body"]
    response = client.post(
        urlsplit(sent["url"]).path,
        data=sent["body"].encode(),
        headers={"X-Ecomapp-Signature": sent["signature"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    run_jobs()
    assert db.session.scalar(select(Cart.platform_id)) == "Ab12"
    assert db.session.scalar(select(Event.type).where(Event.type == "cart.updated"))


def test_plugin_panel_url_signs_the_user_in(
    app: Flask, key: str, time_machine: TimeMachineFixture
) -> None:
    """Given the iframe URL the plugin's PHP builds, when loaded, then the panel opens."""
    url = urlsplit(_run_plugin(key, _event())["panel_url"])
    # PHP signs with the machine's clock; the app checks at that moment on the test clock.
    signed_at = int(parse_qs(url.query)["ts"][0])
    time_machine.move_to(datetime.fromtimestamp(signed_at, UTC), tick=True)
    browser = app.test_client()
    assert browser.get(f"{url.path}?{url.query}").status_code == 302
    assert browser.get("/").status_code == 200


def _php_now() -> int:
    """Return the machine's real clock, which PHP reads (the test clock may have travelled)."""
    travelling = escape_hatch.is_travelling()
    return int(escape_hatch.time.time() if travelling else time.time())


def _plugin_connection(key: str) -> dict[str, Any]:
    """Return what the plugin saves when the merchant pastes the key."""
    return json.loads(base64.urlsafe_b64decode(key))


def test_disconnect_revokes_the_rest_key_through_the_plugin(
    app: Flask,
    client: FlaskClient,
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
) -> None:
    """Given the plugin installed with the key, when the merchant disconnects, then key gone."""
    _php_or_skip()
    # The plugin checks the request's age on the machine's clock: sign on that clock too.
    time_machine.move_to(datetime.fromtimestamp(_php_now(), UTC), tick=True)
    with woo_settings(app), running(FakeWooStore()) as store:
        connect(client, store)
        run_jobs()
        page = client.get("/woocommerce").get_data(as_text=True)
        store.plugin_installed = True
        store.plugin_connection = _plugin_connection(
            page.split('data-testid="plugin-key">')[1].split("<")[0]
        )
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post("/woocommerce/disconnect", data={"csrf_token": token})
        assert 'data-testid="key-revoked"' in response.get_data(as_text=True)
        assert store.api_keys == {} and store.plugin_connection is None
        asked = [(m, p) for m, p, q in store.requests if p.startswith("/wp-json/ecomapp/")]
        assert asked == [("POST", "/wp-json/ecomapp/v1/revoke-key")]
        stale = requests.get(
            f"{store.base_url}/wp-json/wc/v3/orders",
            params={"oauth_consumer_key": CONSUMER_KEY, "oauth_signature": "x"},
            timeout=5,
        )
        assert stale.status_code == 401


def _revoke_via_php(
    body: dict[str, Any], secret: str, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    raw = json.dumps(body, separators=(",", ":"))
    signature = base64.b64encode(hmac.new(secret.encode(), raw.encode(), "sha256").digest())
    harness_input = {
        "mode": "rest",
        "connection": {"url": "https://app.example.com", "store": 3, "secret": "s3cret"},
        "body": raw,
        "headers": {"Content-Type": "application/json", "X-Ecomapp-Signature": signature.decode()},
        "api_keys": rows,
    }
    result = subprocess.run(
        [_php_or_skip(), str(HARNESS), json.dumps(harness_input)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _rows() -> list[dict[str, Any]]:
    ours = {"key_id": 7, "description": "ecomapp - API (2026-11-26 09:00:00)"}
    other = {"key_id": 8, "description": "Zapier - API (2026-10-01 12:00:00)"}
    return [ours, other]


@pytest.mark.parametrize(
    ("change", "secret", "status", "code"),
    [
        ({}, "forged", 401, "ecomapp_bad_signature"),
        ({"store": 4}, "s3cret", 400, "ecomapp_bad_request"),
        ({"sent_at": 1_000_000_000}, "s3cret", 401, "ecomapp_expired"),
        ({"key_id": 8}, "s3cret", 404, "ecomapp_key_not_found"),
    ],
)
def test_plugin_refuses_a_revoke_it_should_not_do(
    change: dict[str, Any], secret: str, status: int, code: str
) -> None:
    """Given a forged, foreign, stale or other-app request, then refused and every key kept."""
    body = {"action": "revoke_key", "store": 3, "key_id": 7, "sent_at": _php_now()}
    answer = _revoke_via_php(body | change, secret, _rows())
    assert (answer["status"], json.loads(answer["body"])["code"]) == (status, code)
    assert [r["key_id"] for r in answer["api_keys"]] == [7, 8] and answer["connection"]


def test_plugin_deletes_only_ecomapps_key_when_asked_properly() -> None:
    """Given a signed, fresh request for our key, then only that key is deleted."""
    body = {"action": "revoke_key", "store": 3, "key_id": 7, "sent_at": _php_now()}
    answer = _revoke_via_php(body, "s3cret", _rows())
    assert answer["status"] == 200 and json.loads(answer["body"]) == {"revoked": True, "key_id": 7}
    assert [r["key_id"] for r in answer["api_keys"]] == [8] and answer["connection"] is None


def test_plugin_reports_a_storefront_search_that_the_app_counts(
    client: FlaskClient, key: str
) -> None:
    """Given a search results page, when the plugin's PHP reports it, then the term counts."""
    payload = json.dumps({"mode": "search", "key": key, "term": "Storm Parka"})
    result = subprocess.run(
        [_php_or_skip(), str(HARNESS), payload], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    sent = json.loads(result.stdout)
    assert sent["blocking"] is False and urlsplit(sent["url"]).path == "/storefront/search"
    response = client.post(
        "/storefront/search",
        data=sent["body"].encode(),
        headers={k: v for k, v in sent["headers"].items() if k.startswith("X-")},
        content_type="application/json",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert db.session.scalar(select(SearchTermDay.term)) == "storm parka"
