"""Find a connected WooCommerce site and build its REST client."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.jobs.retry import PermanentError
from ecomapp.models import Platform, Store, WooSite
from ecomapp.outbound import check_public_host
from ecomapp.platforms.woocommerce.client import BACKOFF_SECONDS, WooClient


def site_for(store: Store) -> WooSite:
    """Return the store's WooCommerce site row; PermanentError when it is not connected."""
    site = db.session.scalar(select(WooSite).where(WooSite.store_id == store.id))
    if site is None or store.platform != Platform.WOOCOMMERCE.value:
        raise PermanentError(f"store {store.id} is not a connected WooCommerce store")
    return site


def client_for(store: Store) -> WooClient:
    """Return a wc/v3 client with the store's decrypted consumer key and secret."""
    site = site_for(store)
    if not store.access_token or not store.api_secret:
        raise PermanentError(f"store {store.id} has no WooCommerce credentials (disconnected)")
    refuse_internal_host(site.url)
    backoff = float(current_app.config.get("WOOCOMMERCE_RETRY_BACKOFF", BACKOFF_SECONDS))
    return WooClient(site.url, store.access_token, store.api_secret, backoff=backoff)


def refuse_internal_host(url: str) -> None:
    """Refuse a store URL whose host resolves to a private, loopback or link-local address.

    Checked at connect and again before each client is built: DNS can change after connect.
    Development stores on loopback pass with WOOCOMMERCE_ALLOW_HTTP (or ALLOW_PRIVATE_OUTBOUND).
    """
    if current_app.config["SETTINGS"].woocommerce_allow_http:
        return
    parts = urlsplit(url)
    check_public_host(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))


def active_woo_stores() -> list[Store]:
    """Return every connected WooCommerce store."""
    return list(
        db.session.scalars(
            select(Store).where(
                Store.platform == Platform.WOOCOMMERCE.value, Store.uninstalled_at.is_(None)
            )
        )
    )


def app_url() -> str:
    """Return the public base URL of this deployment."""
    return str(current_app.config["SETTINGS"].app_url).rstrip("/")
