"""Revoke our REST API key on disconnect, through the companion plugin where it is installed.

WooCommerce has no REST endpoint that deletes a key, so the app asks the plugin: a POST to
`/wp-json/ecomapp/v1/revoke-key` signed like the plugin's own events (base64 HMAC-SHA256 of
the raw body with the shared plugin secret). Without the plugin the merchant is told exactly
which key to revoke by hand.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime

import requests

from ecomapp.models import Store, WooSite
from ecomapp.platforms.woocommerce.webhooks import signature

log = logging.getLogger(__name__)

REVOKE_PATH = "/wp-json/ecomapp/v1/revoke-key"
TIMEOUT_SECONDS = 10
MANUAL_PLACE = "WooCommerce → Settings → Advanced → REST API"


@dataclass(frozen=True)
class Revocation:
    """What became of the store's REST API key on disconnect."""

    revoked: bool
    reason: str
    key_description: str
    key_ending: str


def _describe(store: Store) -> tuple[str, str]:
    """Return the key's description as /wc-auth wrote it (to the minute) and its last 7."""
    created: datetime = store.installed_at
    key = store.access_token or ""
    return f"ecomapp - API ({created:%Y-%m-%d %H:%M}…)", key[-7:]


def _ask_plugin(site: WooSite, store: Store) -> str | None:
    """Ask the plugin to delete the key; return None when it did, else why not."""
    body = json.dumps(
        {
            "action": "revoke_key",
            "store": store.id,
            "key_id": site.key_id,
            "sent_at": int(time.time()),
        },
        separators=(",", ":"),
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Ecomapp-Signature": signature(site.plugin_secret or "", body),
    }
    try:
        answer = requests.post(
            site.url + REVOKE_PATH,
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return f"the store could not be reached ({exc.__class__.__name__})"
    if answer.status_code == 200:
        return None
    try:
        code = str(answer.json().get("code", ""))
    except ValueError:
        code = ""
    if answer.status_code == 404 and code == "rest_no_route":
        return "the ecomapp Connector plugin is not installed on the store"
    return f"the plugin refused (HTTP {answer.status_code} {code})".replace(" )", ")")


def revoke_key(site: WooSite, store: Store) -> Revocation:
    """Revoke the store's REST API key through the plugin, or say how to do it by hand."""
    description, ending = _describe(store)
    if site.key_id is None or not site.plugin_secret:
        reason = "the store did not tell us the key's id" if site.key_id is None else "no plugin"
        return Revocation(False, reason, description, ending)
    refused = _ask_plugin(site, store)
    if refused:
        log.warning("store %s: key %s not revoked: %s", store.id, site.key_id, refused)
    return Revocation(refused is None, refused or "", description, ending)
