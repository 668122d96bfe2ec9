"""A loopback WooCommerce shaped like wc/v3: listings with paging headers, webhooks, notes.

It speaks real HTTP on 127.0.0.1 (so the `woocommerce` package and `requests` run for real),
answers with the bodies and headers a WooCommerce 11 store sends, and records what it was asked.
"""

from __future__ import annotations

import base64
import hmac
import json
import math
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.fakes.woocommerce.payloads import wire

CONSUMER_KEY = "ck_4f1e0c0ffee0123456789abcdef0123456789abc"
CONSUMER_SECRET = "cs_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
API = "/wp-json/wc/v3/"
BATCH_LIMIT = 100  # wc/v3 batch endpoints take at most 100 items per request


@dataclass
class FakeWooStore:
    """The store's data and a log of every request it served."""

    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    variations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    coupons: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    base_url: str = ""
    admin_panel_src: str = ""  # what the plugin's menu page puts in its iframe
    _next_id: int = 900

    def new_id(self) -> int:
        """Return the next id the store assigns."""
        self._next_id += 1
        return self._next_id

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses (e.g. 503, 429) before serving again."""
        self.failures.extend(statuses)

    def add(self, kind: str, *payloads: dict[str, Any]) -> None:
        """Put products, customers or orders in the store."""
        table = getattr(self, kind)
        for payload in payloads:
            table[payload["id"]] = payload


def _listing(items: list[dict[str, Any]], query: dict[str, list[str]], kind: str = "") -> Response:
    if "modified_after" in query and kind != "customers":  # wc/v3 customers lack this filter
        since = datetime.fromisoformat(query["modified_after"][0])
        items = [i for i in items if datetime.fromisoformat(i["date_modified_gmt"]) > since]
    if "include" in query:
        wanted = {int(x) for x in query["include"][0].split(",")}
        items = [i for i in items if i["id"] in wanted]
    if query.get("orderby") == ["registered_date"]:
        items = sorted(items, key=lambda i: i["date_created_gmt"])
    if query.get("order") == ["desc"]:
        items = list(reversed(items))
    per_page = int(query.get("per_page", ["10"])[0])
    page = int(query.get("page", ["1"])[0])
    pages = max(1, math.ceil(len(items) / per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    headers = {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)}
    return _json(chunk, headers=headers)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        wire(body) if isinstance(body, dict) else _wire_list(body),
        status,
        headers,
        mimetype="application/json",
    )


def _wire_list(items: Any) -> bytes:
    return json.dumps(items, separators=(",", ":")).replace("/", "\\/").encode()


def _error(code: str, message: str, status: int) -> Response:
    return _json({"code": code, "message": message, "data": {"status": status}}, status)


def oauth_valid(method: str, base_url: str, query: dict[str, list[str]]) -> bool:
    """Check a one-legged OAuth 1.0a signature the way WC_REST_Authentication does."""
    if any(len(v) != 1 for v in query.values()):
        return False  # PHP would keep one of the repeated values and the signature would differ
    params = {k: v[0] for k, v in query.items()}
    sent = params.pop("oauth_signature", "")
    if params.get("oauth_consumer_key") != CONSUMER_KEY or not sent:
        return False
    if params.get("oauth_signature_method") not in ("HMAC-SHA1", "HMAC-SHA256"):
        return False
    pairs = [f"{quote(k, safe='')}%3D{quote(v, safe='')}" for k, v in sorted(params.items())]
    to_sign = f"{method}&{quote(base_url, safe='')}&{'%26'.join(pairs)}"
    algorithm = params["oauth_signature_method"].removeprefix("HMAC-").lower()
    digest = hmac.new(f"{CONSUMER_SECRET}&".encode(), to_sign.encode(), algorithm).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), sent)


_ITEM = re.compile(r"^(products|customers|orders|webhooks|coupons)/(\d+)$")
_KINDS = {"products", "customers", "orders", "webhooks"}


def _merge(item: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for key, value in changes.items():
        if key == "meta_data":
            kept = {m["key"]: m for m in item.get("meta_data", [])}
            for entry in value:
                kept[entry["key"]] = {"id": len(kept) + 1, **entry}
            item["meta_data"] = list(kept.values())
        else:
            item[key] = value
    return item


class Router:
    """The wc/v3 routes the app uses, answered from a FakeWooStore."""

    def __init__(self, store: FakeWooStore) -> None:
        self.store = store

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Authenticate, inject queued failures, then route."""
        query = parse_qs(urlsplit(request.url).query)
        self.store.requests.append((request.method, request.path, query))
        if request.path == "/wp-admin/admin.php":
            return self.admin_page()
        if not request.path.startswith(API):
            return _error("rest_no_route", "No route was found.", 404)
        if (
            query.get("oauth_consumer_key", [""])[0] != CONSUMER_KEY
            or "oauth_signature" not in query
        ):
            return _error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401)
        if self.store.failures:
            status = self.store.failures.pop(0)
            return Response(b"", status, {"Retry-After": "0"} if status == 429 else {})
        path = request.path[len(API) :]
        body = request.get_json(silent=True) if request.data else None
        return self.route(request.method, path, query, body)

    def admin_page(self) -> Response:
        """Render WP admin's ecomapp menu page: the panel in an iframe, as the plugin does."""
        src = self.store.admin_panel_src.replace("&", "&amp;").replace('"', "&quot;")
        html = (
            "<!doctype html><html><head><title>ecomapp &lsaquo; Shop &#8212; WordPress</title>"
            '</head><body class="wp-admin"><div class="wrap" style="margin:0">'
            f'<iframe id="ecomapp-panel" title="ecomapp" src="{src}" '
            'style="width:100%;height:600px;border:0"></iframe></div></body></html>'
        )
        return Response(html, 200, mimetype="text/html")

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Response:
        """Dispatch one authenticated request."""
        if method == "GET" and path in _KINDS:
            return _listing(
                sorted(getattr(self.store, path).values(), key=lambda i: i["id"]), query
            )
        variations = re.match(r"^products/(\d+)/variations$", path)
        if method == "GET" and variations:
            return _listing(self.store.variations.get(int(variations.group(1)), []), query)
        one = re.match(r"^products/(\d+)/variations/(\d+)$", path)
        if one and method in ("GET", "PUT"):
            return self.item(method, "products", int(one.group(2)), body)
        batch = re.match(r"^products/(\d+)/variations/batch$", path)
        if method == "POST" and batch:
            updated = [_merge(self.find("products", i["id"]) or {}, i) for i in body["update"]]
            return _json({"update": updated})
        notes = re.match(r"^orders/(\d+)/notes$", path)
        if method == "POST" and notes:
            note = {"id": self.store.new_id(), **body}
            self.store.notes.append((int(notes.group(1)), note))
            return _json(note, 201)
        if method == "POST" and path == "webhooks":
            return self.create_webhook(body)
        if method == "POST" and path == "coupons":
            coupon = {"id": self.store.new_id(), **body}
            self.store.coupons.append(coupon)
            return _json(coupon, 201)
        kind = re.match(r"^(products|customers|orders)/batch$", path)
        if method == "POST" and kind:
            return self.batch(kind.group(1), body)
        item = _ITEM.match(path)
        if item:
            return self.item(method, item.group(1), int(item.group(2)), body)
        return _error("rest_no_route", "No route was found.", 404)

    def batch(self, kind: str, body: dict[str, Any]) -> Response:
        """Update items in one request; more than 100 is refused, as wc/v3 does."""
        items = body.get("update", [])
        if len(items) > BATCH_LIMIT:
            return _error(
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {BATCH_LIMIT} items for this request.",
                413,
            )
        return _json({"update": [_merge(self.find(kind, i["id"]) or {}, i) for i in items]})

    def find(self, kind: str, item_id: int) -> dict[str, Any] | None:
        """Return a stored item; variations are found by their own id too."""
        found = getattr(self.store, kind).get(item_id)
        if found is None and kind == "products":
            every = [v for vs in self.store.variations.values() for v in vs]
            found = next((v for v in every if v["id"] == item_id), None)
        return found

    def item(self, method: str, kind: str, item_id: int, body: Any) -> Response:
        """GET, PUT or DELETE one item."""
        found = self.find(kind, item_id)
        if found is None:
            return _error(f"woocommerce_rest_{kind[:-1]}_invalid_id", "Invalid ID.", 404)
        if method == "GET":
            return _json(found)
        if method == "PUT":
            return _json(_merge(found, body or {}))
        if method == "DELETE":
            return _json(getattr(self.store, kind).pop(item_id))
        return _error("rest_no_route", "No route was found.", 404)

    def create_webhook(self, body: dict[str, Any]) -> Response:
        """Create a webhook the way wc/v3 does (the secret is kept and returned)."""
        if not body.get("delivery_url", "").startswith(("http://", "https://")):
            return _error(
                "woocommerce_rest_webhook_invalid_delivery_url",
                "Webhook delivery URL must be valid.",
                400,
            )
        hook_id = self.store.new_id()
        resource, _, event = body["topic"].partition(".")
        hook = {
            "id": hook_id,
            "name": body.get("name", ""),
            "status": body.get("status", "active"),
            "topic": body["topic"],
            "resource": resource,
            "event": event,
            "hooks": [f"woocommerce_{resource}_{event}"],
            "delivery_url": body["delivery_url"],
            "secret": body.get("secret", ""),
            "date_created": "2026-11-26T10:00:00",
            "date_created_gmt": "2026-11-26T09:00:00",
            "date_modified": "2026-11-26T10:00:00",
            "date_modified_gmt": "2026-11-26T09:00:00",
        }
        self.store.webhooks[hook_id] = hook
        return _json(hook, 201)


@contextmanager
def running(store: FakeWooStore) -> Iterator[FakeWooStore]:
    """Serve the store on a free loopback port for the duration of the block."""
    server = make_server("127.0.0.1", 0, Router(store), threaded=True)
    store.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield store
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
