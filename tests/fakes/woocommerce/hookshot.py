"""WooCommerce's webhook delivery ("Hookshot"), as WC_Webhook::deliver does it.

Each active webhook of the topic gets the payload as compact escaped JSON, signed with its
secret. A 2xx, 301 or 302 answer resets the webhook's failure count; anything else (or no
answer) counts one failure, and a failure with the count already above 5 disables the webhook.
There is no retry: a failed delivery is lost. Setting a webhook back to active keeps its count.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any

from tests.fakes.woocommerce.payloads import wire

if TYPE_CHECKING:
    from tests.fakes.woocommerce.server import FakeWooStore

HOOKSHOT = "WooCommerce/11.0.1 Hookshot (WordPress/6.9)"
MAX_FAILURES = 5  # the woocommerce_max_webhook_delivery_failures default


def signed(hook: dict[str, Any], body: bytes) -> dict[str, str]:
    """Return the headers WooCommerce sends with one delivery of a webhook."""
    import base64
    import hmac

    digest = hmac.new(hook["secret"].encode(), body, hashlib.sha256).digest()
    delivery = hashlib.md5(f"{hook['id']}{int(time.time())}".encode()).hexdigest()
    return {
        "User-Agent": HOOKSHOT,
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": hook["topic"],
        "X-WC-Webhook-Resource": hook["resource"],
        "X-WC-Webhook-Event": hook["event"],
        "X-WC-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-WC-Webhook-ID": str(hook["id"]),
        "X-WC-Webhook-Delivery-ID": delivery,
    }


def _record(store: FakeWooStore, hook: dict[str, Any], status: int) -> None:
    if 200 <= status < 303:
        store.webhook_failures[hook["id"]] = 0
        return
    failures = store.webhook_failures.get(hook["id"], 0)
    if failures > MAX_FAILURES:
        hook["status"] = "disabled"
    else:
        store.webhook_failures[hook["id"]] = failures + 1


def deliver(store: FakeWooStore, topic: str, payload: dict[str, Any]) -> list[int]:
    """Deliver to each active webhook of the topic; return the status each answered (0: none)."""
    assert store.transport is not None, "set store.transport to reach the app"
    body = wire(payload)
    statuses = []
    for hook in list(store.webhooks.values()):
        if hook["topic"] != topic or hook["status"] != "active":
            continue
        try:
            status = store.transport(hook["delivery_url"], body, signed(hook, body))
        except OSError:
            status = 0
        _record(store, hook, status)
        statuses.append(status)
    return statuses
