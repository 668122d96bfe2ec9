"""Signed storefront requests, as Shopify's app proxy and the WooCommerce plugin send them."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from ecomapp.extensions import db
from ecomapp.models import Store
from ecomapp.models.types import utcnow  # the suite's controllable clock
from ecomapp.models.woocommerce import WooSite
from ecomapp.platforms.woocommerce.webhooks import signature
from ecomapp.storefront.app_proxy import proxy_signature
from tests.factories import make_store

PROXY_SECRET = "test-client-secret"  # tests/conftest.py's shopify_api_secret
PLUGIN_SECRET = "plugin-secret-for-storefront-tests"


def proxy_query(shop: str, extra: dict[str, str] | None = None, secret: str = PROXY_SECRET) -> str:
    """Return the query string Shopify's app proxy adds, signed with `secret`."""
    args = MultiDict(
        {
            "shop": shop,
            "path_prefix": "/apps/ecomapp",
            "timestamp": str(int(utcnow().timestamp())),
            "logged_in_customer_id": "",
            **(extra or {}),
        }
    )
    args["signature"] = proxy_signature(args, secret)
    return urlencode(list(args.items(multi=True)))


def proxy_post(client: FlaskClient, store: Store, path: str, form: dict[str, Any]) -> TestResponse:
    """POST a form through the app proxy to /storefront/<path>, as a shopper's browser would."""
    return client.post(f"/storefront/{path}?{proxy_query(store.domain)}", data=form)


def woo_store_with_plugin(**fields: Any) -> Store:
    """Create a WooCommerce store whose companion plugin holds PLUGIN_SECRET."""
    store = make_store("woocommerce", **fields)
    site = WooSite(store_id=store.id, url=f"https://{store.domain}", hook_token=f"t{store.id}")
    site.plugin_secret = PLUGIN_SECRET
    db.session.add(site)
    db.session.commit()
    return store


def plugin_post(client: FlaskClient, store: Store, path: str, payload: Any) -> TestResponse:
    """POST a JSON body signed by the store's plugin to /storefront/<path>."""
    body = json.dumps(payload).encode()
    headers = {
        "X-Ecomapp-Store": str(store.id),
        "X-Ecomapp-Signature": signature(PLUGIN_SECRET, body),
    }
    return client.post(
        f"/storefront/{path}", data=body, headers=headers, content_type="application/json"
    )
