"""Our WooCommerce webhooks: signatures, dedupe keys, creation and health checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Any

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import Store, WooSite
from ecomapp.platforms.woocommerce.client import WooClient
from ecomapp.platforms.woocommerce.sites import active_woo_stores, app_url, client_for, site_for

log = logging.getLogger(__name__)

TOPICS = tuple(
    f"{resource}.{event}"
    for resource in ("order", "customer", "product")
    for event in ("created", "updated", "deleted")
)
HEALTHY = "active"


def signature(secret: str, body: bytes) -> str:
    """Return the X-WC-Webhook-Signature of a raw body: base64 HMAC-SHA256."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str | None, body: bytes, sent: str | None) -> bool:
    """Return True when the signature was made over these exact bytes with our secret."""
    if not secret or not sent:
        return False
    return hmac.compare_digest(signature(secret, body), sent.strip())


def is_ping(body: bytes, headers: Any) -> bool:
    """Return True for the unsigned `webhook_id=N` form post sent when a webhook is created."""
    if headers.get("X-WC-Webhook-Signature"):
        return False
    key, _, value = body.decode("latin-1").partition("=")
    return key == "webhook_id" and value.strip().isdigit()


def delivery_key(store_id: int, resource: str, payload: dict[str, Any], delivery: str) -> str:
    """Return the dedupe key: store + resource + id + date_modified (Delivery-ID is not unique)."""
    if set(payload) == {"id"}:  # a trash notice: only the delivery tells two apart
        version = f"deleted:{delivery}"
    else:
        modified = payload.get("date_modified_gmt") or payload.get("date_modified")
        version = modified or f"delivery:{delivery}"
    return f"{store_id}:{resource}:{payload.get('id')}:{version}"


def delivery_url(site: WooSite) -> str:
    """Return the URL the store delivers this site's webhooks to."""
    return f"{app_url()}/webhooks/woocommerce/{site.hook_token}"


def _ours(client: WooClient, url: str) -> list[dict[str, Any]]:
    return [hook for hook in client.all("webhooks") if hook.get("delivery_url") == url]


def ensure_webhooks(store_id: int) -> None:
    """Create our webhooks that are missing; delete and recreate disabled or paused ones."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    site, client = site_for(store), client_for(store)
    url = delivery_url(site)
    healthy: dict[str, int] = {}
    for hook in _ours(client, url):
        if hook.get("status") == HEALTHY and hook.get("topic") in TOPICS:
            healthy.setdefault(hook["topic"], int(hook["id"]))
            continue
        log.warning("store %s: webhook %s is %s, recreating", store_id, hook["id"], hook["status"])
        client.request("DELETE", f"webhooks/{hook['id']}", force="true")
    for topic in TOPICS:
        if topic not in healthy:
            healthy[topic] = int(_create(client, site, topic, url)["id"])
    site.webhook_ids = healthy
    db.session.commit()


def _create(client: WooClient, site: WooSite, topic: str, url: str) -> dict[str, Any]:
    body = {
        "name": f"ecomapp {topic}",
        "topic": topic,
        "delivery_url": url,
        "secret": site.webhook_secret,
        "status": HEALTHY,
    }
    return client.request("POST", "webhooks", body)


def delete_webhooks(store: Store) -> int:
    """Delete every webhook of ours on the store; return how many."""
    site, client = site_for(store), client_for(store)
    hooks = _ours(client, delivery_url(site))
    for hook in hooks:
        client.request("DELETE", f"webhooks/{hook['id']}", force="true")
    site.webhook_ids = {}
    return len(hooks)


def check_webhook_health() -> int:
    """Enqueue a cheap webhook check for every connected store (periodic); return how many."""
    stores = active_woo_stores()
    for store in stores:
        enqueue_after_commit(check_store_webhooks, store.id, store_id=store.id)
    db.session.commit()
    return len(stores)


def _broken(client: WooClient, site: WooSite) -> list[str]:
    """Return the topics whose webhook is missing, paused or disabled: one listing request."""
    ours = {topic: int(hook_id) for topic, hook_id in (site.webhook_ids or {}).items()}
    if set(ours) != set(TOPICS):
        return sorted(set(TOPICS) - set(ours)) or sorted(ours)
    ids = ",".join(str(hook_id) for hook_id in sorted(ours.values()))
    listed = client.request("GET", "webhooks", include=ids, status="all", per_page=100)
    healthy = {int(h["id"]) for h in listed if h.get("status") == HEALTHY}
    return sorted(topic for topic, hook_id in ours.items() if hook_id not in healthy)


def check_store_webhooks(store_id: int) -> None:
    """Recreate a disabled, paused or missing webhook, then catch up at once by reconciling.

    WooCommerce disables a webhook after repeated failed deliveries and never retries them;
    setting it active again keeps its failure count, so it is deleted and created afresh.
    """
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    broken = _broken(client_for(store), site_for(store))
    if not broken:
        return
    log.warning("store %s: webhooks %s not active; recreating and reconciling", store_id, broken)
    ensure_webhooks(store_id)
    enqueue_after_commit(f"{__package__}.sync:reconcile_store", store_id, store_id=store_id)
    db.session.commit()
