"""A shop's storefront on loopback: a product page with our theme block, and Shopify's app proxy.

The page renders `extensions/ecomapp-storefront/blocks/back-in-stock.liquid` with python-liquid
(the `{% schema %}` part is Shopify's metadata, not rendered), serves the extension's assets, and
forwards `/apps/ecomapp/<path>` to the app's `/storefront/<path>` the way Shopify's app proxy
does: same method and body, with `shop`, `logged_in_customer_id`, `path_prefix`, `timestamp` and
`signature` (HMAC-SHA256 of the sorted parameters with the app secret) added to the query.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import liquid
import requests
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ecomapp.models.types import utcnow  # the suite's controllable clock
from ecomapp.storefront.app_proxy import proxy_signature

EXTENSION = Path(__file__).resolve().parents[2] / "extensions" / "ecomapp-storefront"
PREFIX = "/apps/ecomapp"


def render_block(name: str, product: dict[str, Any], settings: dict[str, Any]) -> str:
    """Render one of the extension's blocks as Shopify would, without its schema."""
    source = (EXTENSION / "blocks" / f"{name}.liquid").read_text()
    source = re.sub(r"{%-?\s*schema\s*-?%}.*?{%-?\s*endschema\s*-?%}", "", source, flags=re.S)
    block = {"settings": settings, "shopify_attributes": ""}
    return liquid.Environment().from_string(source).render(product=product, block=block)


@dataclass
class Storefront:
    """The shop: its domain, the app's URL and secret, the product page's block HTML."""

    shop: str
    app_url: str
    secret: str
    block_html: str
    customer_id: str = ""
    url: str = ""
    script: str = "notify-me.js"  # the block's asset the page loads

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path.startswith(PREFIX + "/"):
            response = self._proxy(request)
        elif request.path.startswith("/assets/"):
            asset = EXTENSION / "assets" / Path(request.path).name
            response = Response(asset.read_text(), mimetype="application/javascript")
        else:
            page = f"<!doctype html><html><body>{self.block_html}"
            page += f'<script src="/assets/{self.script}"></script></body></html>'
            response = Response(page, mimetype="text/html")
        return response(environ, start_response)

    def _proxy(self, request: Request) -> Response:
        args = MultiDict(request.args)
        args.update(
            {
                "shop": self.shop,
                "logged_in_customer_id": self.customer_id,
                "path_prefix": PREFIX,
                "timestamp": str(int(utcnow().timestamp())),
            }
        )
        args["signature"] = proxy_signature(args, self.secret)
        target = f"{self.app_url}/storefront/{request.path[len(PREFIX) + 1 :]}"
        answer = requests.request(
            request.method,
            f"{target}?{urlencode(list(args.items(multi=True)))}",
            data=request.get_data(),
            headers={"Content-Type": request.headers.get("Content-Type", "")},
            timeout=10,
        )
        kind = answer.headers.get("Content-Type", "text/plain")
        return Response(answer.content, answer.status_code, content_type=kind)


@contextmanager
def running_storefront(front: Storefront) -> Iterator[Storefront]:
    """Serve the shop on a free loopback port for the duration of the block."""
    server = make_server("127.0.0.1", 0, front, threaded=True)
    front.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield front
    finally:
        server.shutdown()
