"""A merchant connects a WooCommerce store from a real browser, through the store's approval."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from ecomapp.extensions import db
from ecomapp.models import Store, WooSite
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.fakes.woocommerce.flow import woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running

pytestmark = pytest.mark.browser


def _self_signed(folder: Path) -> tuple[str, str]:
    """Write a certificate for `localhost` (valid 2000-2100, whatever the test clock says)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2000, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2100, 1, 1, tzinfo=UTC))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / "app.crt", folder / "app.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return str(crt), str(pem)


@contextmanager
def serve_https(app: Flask, folder: Path) -> Iterator[tuple[str, str]]:
    """Serve the app over https on a free port (WooCommerce only posts keys to https)."""
    crt, key = _self_signed(folder)
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=(crt, key))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_port}", crt
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def test_merchant_connects_a_store_from_the_browser_through_its_approval(
    app: Flask, tmp_path: Path
) -> None:
    """Given the connect page, when the merchant enters the store and approves, then panel."""
    sync_api = pytest.importorskip("playwright.sync_api")
    require_chromium()
    with (
        serve_https(app, tmp_path) as (base, cert),
        woo_settings(app, app_url=base),
        running(FakeWooStore(api_keys={})) as store,
    ):
        store.callback_verify = cert  # the store trusts the app's certificate
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(ignore_https_errors=True).new_page()
                response = page.goto(f"{base}/woocommerce/connect")
                assert response is not None
                assert response.headers["content-type"].startswith("text/html")
                page.get_by_label("Store URL").fill(store.base_url)
                page.get_by_role("button", name="Connect").click()
                approve = page.get_by_role("link", name="Approve")
                sync_api.expect(approve).to_be_visible()
                approve.click()
                sync_api.expect(page).to_have_url(f"{base}/woocommerce")
                domain = store.base_url.split("://")[1]
                sync_api.expect(page.get_by_test_id("store-name")).to_have_text(domain)
                sync_api.expect(page.locator("main")).to_contain_text(store.base_url)
            finally:
                browser.close()
    db.session.expire_all()
    (key_id,) = store.api_keys
    site = db.session.scalar(select(WooSite))
    assert site.key_id == key_id
    stored = db.session.scalar(select(Store))
    assert stored.access_token == store.api_keys[key_id]["consumer_key"]
