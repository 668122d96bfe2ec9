"""Install: token exchange from the admin, the store row and its tokens."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.jobs.retry import PermanentError
from ecomapp.models import Platform, Store, utcnow
from ecomapp.platforms.shopify.domains import shop_name
from ecomapp.platforms.shopify.graphql import shopify_app
from ecomapp.platforms.shopify.http import http_client

log = logging.getLogger(__name__)

SCOPES = (
    "read_customers,write_customers,read_orders,write_orders,read_products,write_products,"
    "read_inventory,read_checkouts,read_discounts,write_discounts,read_publications,"
    "write_publications,read_merchant_managed_fulfillment_orders,"
    "write_merchant_managed_fulfillment_orders,read_shopify_payments_disputes"
)


class InstallError(PermanentError):
    """Shopify refused an install or a token request; the message says why."""


def find_store(domain: str) -> Store | None:
    """Return the Shopify store with this domain (installed or not)."""
    return db.session.scalar(
        select(Store).where(Store.platform == Platform.SHOPIFY.value, Store.domain == domain)
    )


def save_tokens(store: Store, data: dict[str, Any]) -> None:
    """Store every value a token response returned, encrypted, with absolute expiry times."""
    now = utcnow()
    store.access_token = data["access_token"]
    store.scopes = data.get("scope") or store.scopes
    expires_in = data.get("expires_in")
    store.access_token_expires_at = now + timedelta(seconds=int(expires_in)) if expires_in else None
    store.refresh_token = data.get("refresh_token")
    refresh_in = data.get("refresh_token_expires_in")
    store.refresh_token_expires_at = (
        now + timedelta(seconds=int(refresh_in)) if refresh_in else None
    )
    store.needs_reauth_since = None


def install_store(domain: str, token_data: dict[str, Any]) -> Store:
    """Create or reactivate the shop's store with fresh tokens; queue setup and initial sync."""
    store = find_store(domain)
    fresh = store is None or store.uninstalled_at is not None
    if store is None:
        store = Store(platform=Platform.SHOPIFY.value, domain=domain, name=shop_name(domain))
        db.session.add(store)
    save_tokens(store, token_data)
    if store.uninstalled_at is not None:
        store.uninstalled_at = None
        store.installed_at = utcnow()
    db.session.flush()
    log.info("shopify %s installed (%s)", domain, "fresh" if fresh else "new token")
    if fresh:
        enqueue_after_commit(
            "ecomapp.platforms.shopify.jobs:setup_store", store.id, store_id=store.id
        )
    db.session.commit()
    return store


def exchange_id_token(id_token: str, claims: dict[str, Any]) -> dict[str, Any]:
    """Exchange a verified session token for an expiring offline token; return the raw grant."""
    with http_client() as client:
        result = shopify_app().exchange_using_token_exchange(
            "offline",
            id_token={"exchangeable": True, "token": id_token, "claims": claims},
            expiring=True,
            http_client=client,
        )
    if not result.ok or result.access_token is None:
        raise InstallError(f"token exchange failed: {result.log.code}")
    return grant_from(result.access_token)


def grant_from(token: Any) -> dict[str, Any]:
    """Return a token-endpoint-shaped dict from shopifyapp's TokenExchangeAccessToken."""
    now = utcnow()
    data: dict[str, Any] = {"access_token": token.token, "scope": token.scope}
    if token.expires:
        data["expires_in"] = max(int((_iso(token.expires) - now).total_seconds()), 0)
    if token.refresh_token:
        data["refresh_token"] = token.refresh_token
    if token.refresh_token_expires:
        left = _iso(token.refresh_token_expires) - now
        data["refresh_token_expires_in"] = max(int(left.total_seconds()), 0)
    return data


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
