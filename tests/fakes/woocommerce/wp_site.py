"""The WordPress side of the fake store: /wc-auth approval, the site index, plugin routes.

/wc-auth follows WC_Auth: the parameters are validated (callback_url must be https), the
approval page links to `access_granted` with a nonce; on approval the store creates a key,
POSTs it as JSON to callback_url and, only on exactly 200, redirects to return_url with
success=1&user_id=…; any other answer deletes the key and shows "Error: …" with 401.
"""

from __future__ import annotations

import html
import json
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import requests
from werkzeug.wrappers import Request, Response

from tests.fakes.woocommerce.payloads import wire

if TYPE_CHECKING:
    from tests.fakes.woocommerce.server import FakeWooStore

AUTH_PARAMS = ("app_name", "user_id", "return_url", "callback_url", "scope")
HARNESS = Path(__file__).with_name("wp_harness.php")
PLUGIN_ROUTE = "/wp-json/ecomapp/v1/revoke-key"


def _page(title: str, body: str, status: int = 200) -> Response:
    page = f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"
    return Response(page, status, mimetype="text/html")


def _wp_die(message: str) -> Response:
    text = html.escape(message)
    return _page("Access denied", f'<div class="wp-die-message">Error: {text}.</div>', 401)


def _with_query(url: str, **args: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(args)


def _validate(query: dict[str, list[str]]) -> dict[str, str] | str:
    data = {}
    for param in AUTH_PARAMS:
        if not query.get(param, [""])[0]:
            return f"Missing parameter {param}"
        data[param] = query[param][0]
    if data["scope"] not in ("read", "write", "read_write"):
        return f"Invalid scope {data['scope']}"
    if not data["callback_url"].lower().startswith("https://"):
        return "The callback_url needs to be over SSL"
    return data


def authorize(store: FakeWooStore, query: dict[str, list[str]]) -> Response:
    """Show the approval page to the (logged-in shop manager) merchant."""
    data = _validate(query)
    if isinstance(data, str):
        return _wp_die(data)
    store.auth_nonce = secrets.token_hex(5)
    granted = f"/wc-auth/v1/access_granted?{urlencode(data)}&wc_auth_nonce={store.auth_nonce}"
    deny = _with_query(data["return_url"], success="0", user_id=data["user_id"])
    body = (
        '<div class="wc-auth-content">'
        f"<p>{html.escape(data['app_name'])} would like to connect to your store and be able "
        "to: View and manage orders, customers, products, coupons; create webhooks.</p>"
        '<p class="wc-auth-actions">'
        f'<a href="{html.escape(granted)}" class="button button-primary wc-auth-approve">'
        "Approve</a> "
        f'<a href="{html.escape(deny)}" class="button wc-auth-deny">Deny</a></p></div>'
    )
    return _page("Shop &rsaquo; Authorize", body)


def access_granted(store: FakeWooStore, query: dict[str, list[str]]) -> Response:
    """Create a key, post it to the callback, and redirect to return_url only on exactly 200."""
    from tests.fakes.woocommerce.server import _key_row

    data = _validate(query)
    if isinstance(data, str):
        return _wp_die(data)
    if not store.auth_nonce or query.get("wc_auth_nonce", [""])[0] != store.auth_nonce:
        return _wp_die("Invalid nonce verification")
    key_id = store.new_id()
    row = _key_row(key_id, f"ck_{secrets.token_hex(20)}", f"cs_{secrets.token_hex(20)}")
    store.api_keys[key_id] = row
    consumer = {
        "key_id": key_id,
        "user_id": data["user_id"],
        "consumer_key": row["consumer_key"],
        "consumer_secret": row["consumer_secret"],
        "key_permissions": data["scope"],
    }
    try:
        answer = requests.post(
            data["callback_url"],
            data=wire(consumer),
            headers={"Content-Type": "application/json;charset=UTF-8"},
            timeout=60,
            verify=store.callback_verify,
        )
        status = answer.status_code
    except requests.RequestException as exc:
        del store.api_keys[key_id]
        return _wp_die(str(exc))
    if status != 200:
        del store.api_keys[key_id]
        return _wp_die(
            "An error occurred in the request and at the time were unable to send the consumer data"
        )
    target = _with_query(data["return_url"], success="1", user_id=data["user_id"])
    return Response("", 302, {"Location": target})


def site_index(store: FakeWooStore) -> Response:
    """Answer GET /wp-json/: the site's name, URL and time zone (public, no auth)."""
    return Response(wire(store.site), 200, mimetype="application/json")


def plugin_route(store: FakeWooStore, request: Request) -> Response:
    """Run the companion plugin's real PHP for its REST route, against the store's key table."""
    if not store.plugin_installed:
        return Response(
            wire(
                {
                    "code": "rest_no_route",
                    "message": "No route was found matching the URL and request method.",
                    "data": {"status": 404},
                }
            ),
            404,
            mimetype="application/json",
        )
    php = shutil.which("php")
    assert php, "php is needed to run the plugin's route"
    harness_input = {
        "mode": "rest",
        "connection": store.plugin_connection,
        "body": request.get_data(as_text=True),
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "api_keys": list(store.api_keys.values()),
    }
    result = subprocess.run(
        [php, str(HARNESS), json.dumps(harness_input)], capture_output=True, text=True, check=True
    )
    answer = json.loads(result.stdout)
    store.api_keys = {int(r["key_id"]): r for r in answer["api_keys"]}
    store.plugin_connection = answer["connection"]
    return Response(answer["body"], answer["status"], mimetype="application/json")


def handle(store: FakeWooStore, request: Request, query: dict[str, list[str]]) -> Response:
    """Route a request outside wc/v3."""
    if request.path == "/wc-auth/v1/authorize":
        return authorize(store, query)
    if request.path == "/wc-auth/v1/access_granted":
        return access_granted(store, query)
    if request.path in ("/wp-json", "/wp-json/"):
        return site_index(store)
    if request.path == PLUGIN_ROUTE and request.method == "POST":
        return plugin_route(store, request)
    if request.path.startswith("/wp-json/"):
        return Response(
            wire(
                {
                    "code": "rest_no_route",
                    "message": "No route was found matching the URL and request method.",
                    "data": {"status": 404},
                }
            ),
            404,
            mimetype="application/json",
        )
    return _page("Page not found", "<h1>Page not found</h1>", 404)
