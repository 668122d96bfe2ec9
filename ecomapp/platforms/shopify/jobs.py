"""Jobs run after an install: shop facts, duplicate webhook subscriptions removed, initial sync."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import Store
from ecomapp.platforms.shopify import operations as ops
from ecomapp.platforms.shopify.bulk import SYNC_JOB
from ecomapp.platforms.shopify.graphql import AdminClient, user_errors

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/shopify"


def webhook_uri() -> str:
    """Return the public URL Shopify delivers webhooks to."""
    return current_app.config["SETTINGS"].app_url + WEBHOOK_PATH


def api_subscriptions(client: AdminClient) -> list[dict[str, Any]]:
    """Return the shop-specific (API-created) webhook subscriptions of the app on this shop.

    Shopify's `webhookSubscriptions` lists only these; the app-specific ones declared in
    shopify.app.toml are not returned (and cannot be deleted through the API).
    """
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        conn = client.request(ops.SUBSCRIPTIONS, {"cursor": cursor}).get("webhookSubscriptions")
        found.extend((conn or {}).get("nodes") or [])
        info = (conn or {}).get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return found
        cursor = info.get("endCursor")


def drop_api_subscriptions(store: Store) -> int:
    """Delete API-created subscriptions pointing at our webhook URL; return how many.

    Webhooks are subscribed once, app-wide, in shopify.app.toml; a shop-specific subscription
    to the same URL (made by earlier versions of the app) would deliver every event twice.
    """
    client, uri = AdminClient(store), webhook_uri()
    dropped = 0
    for node in api_subscriptions(client):
        if node.get("uri") != uri:
            continue  # someone else's endpoint: not ours to remove
        result = client.request(ops.UNSUBSCRIBE, {"id": node["id"]})
        user_errors(result.get("webhookSubscriptionDelete"), f"unsubscribe {node.get('topic')}")
        dropped += 1
    return dropped


def drop_api_subscriptions_job(store_id: int) -> None:
    """Job: remove a shop's duplicate API-created webhook subscriptions."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    dropped = drop_api_subscriptions(store)
    log.info("shopify %s: %d API webhook subscriptions removed", store.domain, dropped)


def refresh_shop_facts(store: Store) -> None:
    """Copy the shop's name, e-mail, currency, time zone and country into the store row."""
    shop = AdminClient(store).request(ops.SHOP).get("shop") or {}
    store.name = shop.get("name") or store.name
    store.email = shop.get("email") or store.email
    store.currency = shop.get("currencyCode") or store.currency
    store.timezone = shop.get("ianaTimezone") or store.timezone
    country = (shop.get("billingAddress") or {}).get("countryCodeV2")
    if country:  # picks the default cart reminder policy
        store.settings = (store.settings or {}) | {"country": str(country)}


def setup_store(store_id: int) -> None:
    """Job: after an install, read shop facts, drop API webhook subscriptions, queue the sync."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    refresh_shop_facts(store)
    dropped = drop_api_subscriptions(store)
    log.info("shopify %s: %d API webhook subscriptions removed", store.domain, dropped)
    enqueue_after_commit(SYNC_JOB, store.id, store_id=store.id)
    db.session.commit()
