"""A connected WooCommerce store running the plugin's PHP, and the app served for real HTTP."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from tests.fakes.woocommerce.flow import connect
from tests.fakes.woocommerce.server import FakeWooStore
from tests.fakes.woocommerce.storefront import PluginShop


@dataclass
class AppSwitch:
    """WSGI in front of the app: answers 503 while down, or hangs `hang` seconds first."""

    app: Flask
    down: bool = False
    hang: float = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.hang:
            threading.Event().wait(self.hang)
        if self.down:
            return Response("Service Unavailable", 503)(environ, start_response)
        return self.app(environ, start_response)


@contextmanager
def serve_switch(app: Flask) -> Iterator[tuple[str, AppSwitch]]:
    """Serve the app behind an AppSwitch on a free loopback port; yield (base URL, switch)."""
    switch = AppSwitch(app)
    server = make_server("127.0.0.1", 0, switch, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", switch
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def plugin_key(client: FlaskClient) -> str:
    """Return the connection key the WooCommerce page shows."""
    page = client.get("/woocommerce").get_data(as_text=True)
    return page.split('data-testid="plugin-key">')[1].split("<")[0]


def connected_shop(
    client: FlaskClient, store: FakeWooStore, run_jobs: Callable[[], None]
) -> PluginShop:
    """Connect the stand-in store, paste the key into the plugin; return its shop floor."""
    connect(client, store)
    run_jobs()
    connection = json.loads(base64.urlsafe_b64decode(plugin_key(client)))
    store.plugin_installed, store.plugin_connection = True, connection
    return PluginShop(connection=connection, site_url=store.base_url)
