"""Jobs run after an install: shop facts, webhook subscriptions, the initial sync."""

from __future__ import annotations

import logging

from flask import current_app

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue
from ecomapp.models import Store
from ecomapp.platforms.shopify import operations as ops
from ecomapp.platforms.shopify.bulk import SYNC_JOB
from ecomapp.platforms.shopify.graphql import AdminClient, user_errors
from ecomapp.platforms.shopify.topics import SUBSCRIBED_BY_API, graphql_topic

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/shopify"


def webhook_uri() -> str:
    """Return the public URL Shopify delivers webhooks to."""
    return current_app.config["SETTINGS"].app_url + WEBHOOK_PATH


def existing_subscriptions(client: AdminClient) -> set[tuple[str, str]]:
    """Return (topic, uri) of every webhook subscription the app has on this shop."""
    found: set[tuple[str, str]] = set()
    cursor = None
    while True:
        conn = client.request(ops.SUBSCRIPTIONS, {"cursor": cursor}).get("webhookSubscriptions")
        for node in (conn or {}).get("nodes") or []:
            found.add((str(node.get("topic")), str(node.get("uri"))))
        info = (conn or {}).get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return found
        cursor = info.get("endCursor")


def subscribe_webhooks(store: Store) -> int:
    """Create the subscriptions this shop lacks; return how many were created."""
    client, uri = AdminClient(store), webhook_uri()
    have = existing_subscriptions(client)
    created = 0
    for topic in SUBSCRIBED_BY_API:
        enum = graphql_topic(topic)
        if (enum, uri) in have:
            continue
        result = client.request(ops.SUBSCRIBE, {"topic": enum, "uri": uri})
        user_errors(result.get("webhookSubscriptionCreate"), f"subscribe {topic}")
        created += 1
    return created


def refresh_shop_facts(store: Store) -> None:
    """Copy the shop's name, e-mail, currency and time zone into the store row."""
    shop = AdminClient(store).request(ops.SHOP).get("shop") or {}
    store.name = shop.get("name") or store.name
    store.email = shop.get("email") or store.email
    store.currency = shop.get("currencyCode") or store.currency
    store.timezone = shop.get("ianaTimezone") or store.timezone


def setup_store(store_id: int) -> None:
    """Job: after an install, read shop facts, subscribe webhooks and queue the initial sync."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    refresh_shop_facts(store)
    created = subscribe_webhooks(store)
    log.info("shopify %s: %d webhook subscriptions created", store.domain, created)
    enqueue(SYNC_JOB, store.id, store_id=store.id)
    db.session.commit()
