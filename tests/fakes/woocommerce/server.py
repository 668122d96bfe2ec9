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
from urllib.parse import parse_qs, quote, unquote, urlsplit

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.fakes.woocommerce.payloads import wire

CONSUMER_KEY = "ck_4f1e0c0ffee0123456789abcdef0123456789abc"
CONSUMER_SECRET = "cs_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
API = "/wp-json/wc/v3/"
ADMIN_EMAIL = "owner@shop.example.com"
STOCK_EMAIL = "stock@shop.example.com, buyer@shop.example.com"
SITE_INFO = {
    "name": "Tea &amp; Biscuits Shop",
    "description": "Fine things",
    "url": "https://shop.example.com",
    "home": "https://shop.example.com",
    "gmt_offset": "1",
    "timezone_string": "Europe/Paris",
    "namespaces": ["oembed/1.0", "wc/v3", "wc/store/v1", "wp/v2"],
}


def _key_row(key_id: int, key: str = CONSUMER_KEY, secret: str = CONSUMER_SECRET) -> dict[str, Any]:
    """Return a woocommerce_api_keys row as /wc-auth creates it."""
    return {
        "key_id": key_id,
        "user_id": 1,
        "description": "ecomapp - API (2026-11-26 09:00:00)",
        "permissions": "read_write",
        "consumer_key": key,
        "consumer_secret": secret,
        "truncated_key": key[-7:],
    }


def _setting(setting_id: str, label: str, value: str, kind: str = "text") -> dict[str, Any]:
    return {
        "id": setting_id,
        "label": label,
        "description": "",
        "type": kind,
        "default": "",
        "tip": "",
        "value": value,
    }


def _default_settings() -> dict[str, dict[str, Any]]:
    """Return the settings groups wc/v3 serves (only the options the app reads, real ids)."""
    return {
        "general": {
            "woocommerce_currency": _setting("woocommerce_currency", "Currency", "EUR", "select"),
            "woocommerce_default_country": _setting(
                "woocommerce_default_country", "Country / State", "FR", "select"
            ),
        },
        "products": {
            "woocommerce_stock_email_recipient": _setting(
                "woocommerce_stock_email_recipient",
                "Notification recipient(s)",
                STOCK_EMAIL,
                "email",
            ),
        },
        "email": {
            "woocommerce_email_from_address": _setting(
                "woocommerce_email_from_address", '"From" address', ADMIN_EMAIL, "email"
            ),
        },
    }


@dataclass
class FakeWooStore:
    """The store's data and a log of every request it served."""

    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    variations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    restocked: list[tuple[int, int]] = field(default_factory=list)  # (product id, quantity)
    coupons: list[dict[str, Any]] = field(default_factory=list)
    product_tags: dict[int, dict[str, Any]] = field(default_factory=dict)  # products/tags terms
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)  # product categories
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    on_write: Callable[[str], None] | None = None  # told "note"/"coupon" once one is stored
    base_url: str = ""
    admin_panel_src: str = ""  # what the plugin's menu page puts in its iframe
    # woocommerce_api_keys rows by key_id (consumer keys kept plain here; WooCommerce hashes).
    api_keys: dict[int, dict[str, Any]] = field(default_factory=lambda: {7: _key_row(7)})
    # False: the key's user is a shop manager, and wc/v3 hides customer meta from non-admins.
    admin_key: bool = True
    site: dict[str, Any] = field(default_factory=lambda: dict(SITE_INFO))
    settings: dict[str, dict[str, Any]] = field(default_factory=lambda: _default_settings())
    # The companion plugin's saved connection (the pasted key), or None when not installed.
    plugin_connection: dict[str, Any] | None = None
    plugin_installed: bool = False
    # Consecutive failed deliveries per webhook id (not exposed by wc/v3, like the real store).
    webhook_failures: dict[int, int] = field(default_factory=dict)
    # How deliveries reach the app: (url, body, headers) -> HTTP status; set by the tests.
    transport: Callable[[str, bytes, dict[str, str]], int] | None = None
    callback_verify: bool | str = True  # CA bundle the store trusts when posting keys
    # The storefront running the companion plugin's PHP (shop_pages.py), once it is installed.
    shop: Any = None
    auth_nonce: str = ""
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

    def deliver(self, topic: str, payload: dict[str, Any]) -> list[int]:
        """Deliver a payload to every active webhook of the topic; return the statuses."""
        from tests.fakes.woocommerce.hookshot import deliver

        return deliver(self, topic, payload)

    def place_order(self, payload: dict[str, Any]) -> list[int]:
        """Store a new order and send what WooCommerce sends: order.created and order.updated."""
        self.add("orders", payload)
        return self.deliver("order.created", payload) + self.deliver("order.updated", payload)

    def register_customer(self, payload: dict[str, Any]) -> list[int]:
        """Store a new customer and send customer.created."""
        self.add("customers", payload)
        return self.deliver("customer.created", payload)


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _listing(items: list[dict[str, Any]], query: dict[str, list[str]], kind: str = "") -> Response:
    if "modified_after" in query and kind != "customers":  # wc/v3 customers lack this filter
        since = datetime.fromisoformat(query["modified_after"][0])
        items = [i for i in items if datetime.fromisoformat(i["date_modified_gmt"]) > since]
    if "email" in query:  # wc/v3 customers: exact e-mail match
        wanted_email = query["email"][0].lower()
        items = [i for i in items if str(i.get("email", "")).lower() == wanted_email]
    if "include" in query:
        wanted = {int(x) for x in query["include"][0].split(",") if x}
        items = [i for i in items if i["id"] in wanted]
    if kind == "webhooks" and query.get("status", ["all"])[0] != "all":
        items = [i for i in items if i["status"] == query["status"][0]]
    if query.get("orderby") == ["registered_date"]:
        items = sorted(items, key=lambda i: i["date_created_gmt"])
    if query.get("order") == ["desc"]:
        items = list(reversed(items))
    per_page = int(query.get("per_page", ["10"])[0])
    if per_page > 100:
        return _error("rest_invalid_param", "Invalid parameter(s): per_page", 400)
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


def _php_encoded(value: str) -> str:
    """Encode a parameter as WC_REST_Authentication::normalize_parameters does (then %25)."""
    return quote(unquote(value), safe="-_.~").replace("%", "%25")


def oauth_valid(
    method: str, base_url: str, query: dict[str, list[str]], secret: str = CONSUMER_SECRET
) -> bool:
    """Check a one-legged OAuth 1.0a signature the way WC_REST_Authentication does."""
    if any(len(v) != 1 for v in query.values()):
        return False  # PHP would keep one of the repeated values and the signature would differ
    params = {k: v[0] for k, v in query.items()}
    sent = params.pop("oauth_signature", "")
    if not sent or params.get("oauth_signature_method") not in ("HMAC-SHA1", "HMAC-SHA256"):
        return False
    pairs = [f"{_php_encoded(k)}%3D{_php_encoded(v)}" for k, v in sorted(params.items())]
    to_sign = f"{method}&{quote(base_url, safe='')}&{'%26'.join(pairs)}"
    algorithm = params["oauth_signature_method"].removeprefix("HMAC-").lower()
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), algorithm).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), sent)


NO_ROUTE = "No route was found matching the URL and request method."
_ITEM = re.compile(r"^(products|customers|orders|webhooks|coupons)/(\d+)$")
_BATCH = re.compile(r"^(products|customers|orders)/batch$")
_KINDS = {"products", "customers", "orders", "webhooks"}
BATCH_LIMIT = 100
ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
)
# wc_maybe_increase_stock_levels: stock reduced by these statuses comes back on cancellation.
RESTOCK_FROM = {"processing", "on-hold", "completed"}


def _merge(item: dict[str, Any], changes: dict[str, Any], kind: str = "") -> dict[str, Any]:
    for key, value in changes.items():
        if key == "meta_data":
            kept = {m["key"]: m for m in item.get("meta_data", [])}
            for entry in value:
                if kind == "customers" and str(entry["key"]).startswith("_"):
                    continue  # WooCommerce >= 9.5.2: protected user meta is dropped, still 200
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
        from tests.fakes.woocommerce import wp_site

        query = parse_qs(urlsplit(request.url).query)
        self.store.requests.append((request.method, request.path, query))
        if request.path == "/wp-admin/admin.php":
            return self.admin_page()
        if self.store.shop is not None:
            from tests.fakes.woocommerce import shop_pages

            page = shop_pages.handle(self.store.shop, request)
            if page is not None:
                return page
        if not request.path.startswith(API):
            return wp_site.handle(self.store, request, query)
        if not self.authenticated(request, query):
            return _error("woocommerce_rest_authentication_error", "Consumer key is invalid.", 401)
        if self.store.failures:
            status = self.store.failures.pop(0)
            return Response(b"", status, {"Retry-After": "0"} if status == 429 else {})
        path = request.path[len(API) :]
        body = request.get_json(silent=True) if request.data else None
        return self.route(request.method, path, query, body)

    def authenticated(self, request: Request, query: dict[str, list[str]]) -> bool:
        """Accept an OAuth 1.0a signature made with a key the store still has."""
        key = query.get("oauth_consumer_key", [""])[0]
        row = next((r for r in self.store.api_keys.values() if r["consumer_key"] == key), None)
        if row is None:
            return False
        return oauth_valid(request.method, request.base_url, query, row["consumer_secret"])

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
            items = sorted(getattr(self.store, path).values(), key=lambda i: i["id"])
            return _listing([self.shown(path, i) for i in items], query, path)
        if method == "GET" and path.startswith("settings/"):
            return self.settings_group(path.removeprefix("settings/"))
        variations = re.match(r"^products/(\d+)/variations$", path)
        if method == "GET" and variations:
            return _listing(self.store.variations.get(int(variations.group(1)), []), query)
        one = re.match(r"^products/(\d+)/variations/(\d+)$", path)
        if one and method in ("GET", "PUT"):
            return self.item(method, "products", int(one.group(2)), body)
        if method == "POST" and re.match(r"^products/(\d+)/variations/batch$", path):
            return self.batch("products", body or {})
        notes = re.match(r"^orders/(\d+)/notes$", path)
        if notes:
            return self.order_notes(method, int(notes.group(1)), body)
        if method == "POST" and path == "webhooks":
            return self.create_webhook(body)
        if method == "POST" and path == "customers":
            return self.create_customer(body or {})
        if path == "coupons":
            return self.coupons(method, query, body)
        if path == "products/tags":
            return self.tags(method, query, body)
        if path == "products/categories":
            return self.product_categories(method, query, body)
        batch = _BATCH.match(path)
        if method == "POST" and batch:
            return self.batch(batch.group(1), body or {})
        item = _ITEM.match(path)
        if item:
            return self.item(method, item.group(1), int(item.group(2)), body)
        return _error("rest_no_route", NO_ROUTE, 404)

    def shown(self, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        """Return an item as the key's user may see it: customer meta only for admins."""
        if kind == "customers" and not self.store.admin_key:
            return {**item, "meta_data": []}
        return item

    def settings_group(self, group: str) -> Response:
        """Answer GET settings/<group> with the group's options, as wc/v3 lists them."""
        if group not in self.store.settings:
            return _error("rest_setting_setting_group_invalid", "Invalid setting group.", 404)
        return _json([{**s, "group_id": group} for s in self.store.settings[group].values()])

    def batch(self, kind: str, body: dict[str, Any]) -> Response:
        """Apply a batch update: at most 100 items, one result (or error) per item."""
        items = [*body.get("create", []), *body.get("update", []), *body.get("delete", [])]
        if len(items) > BATCH_LIMIT:
            return _error(
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {BATCH_LIMIT} items for this request.",
                413,
            )
        results = []
        for change in body.get("update", []):
            found = self.find(kind, int(change.get("id", 0)))
            if found is None:
                code = f"woocommerce_rest_{kind[:-1]}_invalid_id"
                error = {"code": code, "message": "Invalid ID.", "data": {"status": 400}}
                results.append({"id": change.get("id"), "error": error})
                continue
            if kind == "products":
                refused = self._product_change(change)
                if refused is not None:
                    results.append({"id": change.get("id"), "error": refused})
                    continue
                self._apply_product(found, change)
                results.append(found)
                continue
            results.append(self.shown(kind, _merge(found, change, kind)))
        return _json({"update": results})

    def tags(self, method: str, query: dict[str, list[str]], body: Any) -> Response:
        """List product tags (search matches name or slug) or create one; a name taken is 400."""
        terms = sorted(self.store.product_tags.values(), key=lambda t: t["id"])
        if method == "GET":
            word = query.get("search", [""])[0].lower()
            return _listing([t for t in terms if word in t["name"].lower() + t["slug"]], query)
        name = str((body or {}).get("name") or "").strip()
        if not name:
            return _error("rest_missing_callback_param", "Missing parameter(s): name", 400)
        taken = next((t for t in terms if t["name"].lower() == name.lower()), None)
        if taken is not None:
            message = "A term with the name provided already exists with this parent."
            error = {"code": "term_exists", "message": message}
            return _json(error | {"data": {"status": 400, "resource_id": taken["id"]}}, 400)
        term = {"id": self.store.new_id(), "name": name, "slug": name.lower(), "count": 0}
        self.store.product_tags[term["id"]] = term
        return _json(term, 201)

    def _product_change(self, change: dict[str, Any]) -> dict[str, Any] | None:
        """Return the error wc/v3 gives a product update it refuses, or None."""
        visibility = change.get("catalog_visibility", "visible")
        if visibility not in ("visible", "catalog", "search", "hidden"):
            message = "Invalid parameter(s): catalog_visibility"
            return {"code": "rest_invalid_param", "message": message, "data": {"status": 400}}
        return None

    def _apply_product(self, found: dict[str, Any], change: dict[str, Any]) -> None:
        """Set tags from term ids as WooCommerce does: the list replaces, names are ignored."""
        if "tags" in change:
            ids = [int(t.get("id") or 0) for t in change["tags"]]
            terms = [self.store.product_tags[i] for i in ids if i in self.store.product_tags]
            found["tags"] = [{k: t[k] for k in ("id", "name", "slug")} for t in terms]
            change = {k: v for k, v in change.items() if k != "tags"}
        _merge(found, change)

    def wrote(self, kind: str) -> None:
        """Tell the test a write landed (it may kill the worker that asked for it)."""
        if self.store.on_write is not None:
            self.store.on_write(kind)

    def order_notes(self, method: str, order_id: int, body: Any) -> Response:
        """List an order's notes (newest first, as wc/v3 does) or add one."""
        if method == "GET":
            mine = [n for oid, n in reversed(self.store.notes) if oid == order_id]
            return _json(mine)
        note = {"id": self.store.new_id(), **body}
        self.store.notes.append((order_id, note))
        self.wrote("note")
        return _json(note, 201)

    def coupons(self, method: str, query: dict[str, list[str]], body: Any) -> Response:
        """List coupons (filtered by code) or create one, refusing a code that exists.

        WooCommerce stores codes lower-cased (wc_format_coupon_code) and compares them so.
        """
        if method == "GET":
            code = query.get("code", [""])[0].lower()
            return _json([c for c in self.store.coupons if not code or c["code"] == code])
        code = str(body.get("code", "")).lower()
        if any(c["code"] == code for c in self.store.coupons):
            return _error(
                "woocommerce_rest_coupon_code_already_exists",
                "The coupon code already exists",
                400,
            )
        coupon = {"id": self.store.new_id(), **body, "code": code}
        self.store.coupons.append(coupon)
        self.wrote("coupon")
        return _json(coupon, 201)

    def product_categories(self, method: str, query: dict[str, list[str]], body: Any) -> Response:
        """List categories (`search` by name) or create one; a taken name is `term_exists`."""
        if method == "GET":
            word = query.get("search", [""])[0].lower()
            found = [c for c in self.store.categories.values() if word in c["name"].lower()]
            return _listing(found, query)
        name = str((body or {}).get("name") or "").strip()
        if not name:
            return _error("rest_missing_callback_param", "Missing parameter(s): name", 400)
        if any(c["name"] == name for c in self.store.categories.values()):
            return _error("term_exists", "A term with the name provided already exists.", 400)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        category = {"id": self.store.new_id(), "name": name, "slug": slug, "parent": 0}
        self.store.categories[category["id"]] = category
        return _json(category, 201)

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
            return _json(self.shown(kind, found))
        if method == "PUT" and kind == "orders":
            return self.update_order(found, body or {})
        if method == "PUT":
            # A webhook set back to active keeps its failure count (WC_Webhook), so it is
            # disabled again at the next failure: only delete and recreate starts afresh.
            return _json(self.shown(kind, _merge(found, body or {}, kind)))
        if method == "DELETE":
            if kind == "webhooks":
                self.store.webhook_failures.pop(item_id, None)
            return _json(getattr(self.store, kind).pop(item_id))
        return _error("rest_no_route", NO_ROUTE, 404)

    def update_order(self, order: dict[str, Any], body: dict[str, Any]) -> Response:
        """PUT an order: refuse an unknown status; cancelling restocks managed stock."""
        status = body.get("status", order.get("status"))
        if status not in ORDER_STATUSES:
            message = "Invalid parameter(s): status"
            params = {"status": f"status is not one of {', '.join(ORDER_STATUSES)}."}
            body_out = {"code": "rest_invalid_param", "message": message}
            return _json(body_out | {"data": {"status": 400, "params": params}}, 400)
        before = order.get("status")
        _merge(order, body, "orders")
        if status == "cancelled" and before in RESTOCK_FROM:
            self.restock(order)
        return _json(order)

    def restock(self, order: dict[str, Any]) -> None:
        """Give the order's quantities back to products that manage stock (wc_increase_stock)."""
        for line in order.get("line_items", []):
            product = self.find("products", int(line.get("variation_id") or line["product_id"]))
            if product is not None and product.get("manage_stock"):
                product["stock_quantity"] = (product.get("stock_quantity") or 0) + line["quantity"]
            self.store.restocked.append((int(line["product_id"]), int(line["quantity"])))
        self.wrote("restock")

    def create_customer(self, body: dict[str, Any]) -> Response:
        """POST customers as wc_create_new_customer() does: refuse a bad or taken e-mail.

        Its customer.created webhook goes out later (Action Scheduler), so it is not sent from
        here: a test delivers it with `flow.deliver` when it wants it.
        """
        from tests.fakes.woocommerce.payloads import customer

        email = str(body.get("email") or "").strip()
        if not EMAIL.match(email):
            message = "Please provide a valid email address."
            return _error("registration-error-invalid-email", message, 400)
        if any(
            str(c.get("email", "")).lower() == email.lower() for c in self.store.customers.values()
        ):
            message = "An account is already registered with your email address. Please log in."
            return _error("registration-error-email-exists", message, 400)
        new_id = self.store.new_id()
        made = customer(new_id, email, body.get("first_name", ""), body.get("last_name", ""))
        made["billing"] |= body.get("billing") or {}
        _merge(made, {"meta_data": body.get("meta_data") or []}, "customers")
        self.store.add("customers", made)
        return _json(self.shown("customers", made), 201)

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
        self.store.webhook_failures[hook_id] = 0
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
