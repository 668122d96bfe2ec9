"""One place that builds the HTTP client every Shopify call goes through.

Production talks to `https://{shop}.myshopify.com`. `SHOPIFY_API_ORIGIN` (off by default) sends
those requests to another origin instead, for a local Shopify-compatible server in development;
tests inject an httpx transport through `app.extensions["shopify_transport"]`.
"""

from __future__ import annotations

import httpx
from flask import current_app

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
SHOP_HEADER = "X-Shopify-Shop-Domain"


class OriginTransport(httpx.BaseTransport):
    """Send requests for `*.myshopify.com` to one other origin, naming the shop in a header."""

    def __init__(self, origin: str, inner: httpx.BaseTransport | None = None) -> None:
        self.origin = httpx.URL(origin.rstrip("/"))
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Rewrite scheme, host and port for shop hosts; pass everything else through."""
        host = request.url.host
        if host.endswith(".myshopify.com"):
            request.headers[SHOP_HEADER] = host
            request.url = request.url.copy_with(
                scheme=self.origin.scheme, host=self.origin.host, port=self.origin.port
            )
            request.headers["Host"] = self.origin.netloc.decode()
        return self.inner.handle_request(request)

    def close(self) -> None:
        """Close the wrapped transport."""
        self.inner.close()


def build_transport() -> httpx.BaseTransport | None:
    """Return the transport for this app: injected, rerouted to an origin, or the default."""
    injected = current_app.extensions.get("shopify_transport")
    origin = current_app.config["SETTINGS"].shopify_api_origin
    if origin:
        return OriginTransport(origin, injected)
    return injected


def http_client() -> httpx.Client:
    """Return a new httpx client with timeouts for Shopify calls (close it after use)."""
    timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    return httpx.Client(timeout=timeout, transport=build_transport())
