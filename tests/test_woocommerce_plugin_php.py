"""The companion plugin's PHP: it lints, and its real signing code is accepted by the app."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.models import Cart, Event
from tests.fakes.woocommerce.flow import connect, woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
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
    "path", [*sorted(PLUGIN.rglob("*.php")), HARNESS], ids=lambda p: str(p.relative_to(ROOT))
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
