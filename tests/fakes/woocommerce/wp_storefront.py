"""A WordPress storefront on loopback for the plugin's notify-me form, running the plugin's PHP.

The product page holds the form exactly as the plugin's shortcode renders it (through
`wp_harness.php`), the plugin's script is served from its folder, and a post to the plugin's
REST route runs the plugin's PHP handler, which signs the request; the stand-in then sends that
exact request to the app (as `wp_remote_post` would) and relays the app's answer.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "wp_harness.php"
PLUGIN = HERE.parents[2] / "wordpress-plugin" / "ecomapp-connector"


def run_harness(php: str, payload: dict[str, Any]) -> str:
    """Run the WordPress harness with a JSON payload; return what it printed."""
    result = subprocess.run(
        [php, str(HARNESS), json.dumps(payload)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(result.stdout + result.stderr)
    return result.stdout


@dataclass
class WordPressStore:
    """The WordPress site: PHP binary, the plugin's saved connection, the product on the page."""

    php: str
    connection: dict[str, Any]
    variant: int
    forwarded: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path.startswith("/wp-content/plugins/ecomapp-connector/"):
            asset = PLUGIN / request.path.removeprefix("/wp-content/plugins/ecomapp-connector/")
            response = Response(asset.read_text(), mimetype="application/javascript")
        elif request.path == "/wp-json/ecomapp/v1/notify-me" and request.method == "POST":
            response = self._notify_me(request)
        else:
            form = run_harness(
                self.php,
                {"mode": "shortcode", "connection": self.connection, "variant": self.variant},
            )
            response = Response(f"<!doctype html><html><body>{form}</body></html>", 200)
            response.mimetype = "text/html"
        return response(environ, start_response)

    def _notify_me(self, request: Request) -> Response:
        params = json.loads(request.get_data() or b"{}")
        harness = {"mode": "storefront", "connection": self.connection, "route": "notify-me"}
        harness |= {"params": params, "user": 0, "reply": {"status": 0, "body": ""}}
        post = json.loads(run_harness(self.php, harness))["post"]
        self.forwarded.append(post)
        answer = requests.post(
            post["url"], data=post["body"].encode(), headers=post["headers"], timeout=10
        )
        return Response(answer.content, answer.status_code, content_type="application/json")


@contextmanager
def running_wordpress(site: WordPressStore) -> Iterator[WordPressStore]:
    """Serve the WordPress stand-in on a free loopback port for the duration of the block."""
    server = make_server("127.0.0.1", 0, site, threaded=True)
    site.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
