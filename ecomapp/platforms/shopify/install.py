"""Install and credentials: token exchange, the authorization-code grant, refresh under a lock."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from redis.exceptions import LockError
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue, redis_connection
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.models import Platform, Store, utcnow
from ecomapp.models.types import as_utc
from ecomapp.platforms.shopify.domains import is_shop_domain, shop_name
from ecomapp.platforms.shopify.graphql import shopify_app
from ecomapp.platforms.shopify.http import http_client

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)
LOCK_SECONDS = 30
TIMESTAMP_TOLERANCE = 300
SCOPES = (
    "read_customers,write_customers,read_orders,write_orders,read_products,write_products,"
    "read_inventory,read_checkouts,read_discounts,write_discounts,read_publications,"
    "write_publications,read_merchant_managed_fulfillment_orders,"
    "write_merchant_managed_fulfillment_orders"
)


class InstallError(PermanentError):
    """Shopify refused an install or a token request; the message says why."""


class CallbackRejected(InstallError):
    """An OAuth callback failed our checks (HMAC, timestamp, state or shop)."""


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
    if fresh:
        enqueue("ecomapp.platforms.shopify.jobs:setup_store", store.id, store_id=store.id)
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
    return _grant_from(result.access_token)


def _grant_from(token: Any) -> dict[str, Any]:
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


def needs_refresh(store: Store) -> bool:
    """Return True when the access token expires within the refresh margin."""
    expires = as_utc(store.access_token_expires_at)
    return expires is not None and expires - utcnow() <= REFRESH_MARGIN


def access_token_for(store: Store) -> str:
    """Return a usable access token, refreshing it first when it is about to expire."""
    if not store.is_active or not store.access_token:
        raise PermanentError(f"{store.domain} has no access token (uninstalled?)")
    if needs_refresh(store):
        refresh_tokens(store.id)
        db.session.refresh(store)
    token = store.access_token
    assert token is not None
    return token


def refresh_tokens(store_id: int) -> None:
    """Refresh the store's token once, under a per-shop lock shared by every worker."""
    lock = redis_connection().lock(
        f"{current_app.config['SETTINGS'].queue_prefix}:shopify-refresh:{store_id}",
        timeout=LOCK_SECONDS,
        blocking_timeout=LOCK_SECONDS,
    )
    if not lock.acquire():
        raise TransientError("another worker is refreshing this shop's token", retry_after=5)
    try:
        with Session(db.engine) as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                # if the caller's own transaction holds the row, fail (and retry) instead of waiting
                session.execute(text("SET LOCAL lock_timeout = '10s'"))
            store = session.scalar(select(Store).where(Store.id == store_id).with_for_update())
            if store is None or not needs_refresh(store):
                return  # another worker refreshed it while we waited
            save_tokens(store, _refresh_grant(store))
    except OperationalError as exc:
        raise TransientError(f"could not lock {store_id} for a token refresh: {exc}") from exc
    finally:
        with contextlib.suppress(LockError):  # expired after LOCK_SECONDS: nothing to release
            lock.release()


def _refresh_grant(store: Store) -> dict[str, Any]:
    """Call Shopify's refresh grant for the store; return the new grant."""
    if not store.refresh_token:
        raise InstallError(f"{store.domain} has an expiring token but no refresh token")
    with http_client() as client:
        result = shopify_app().refresh_token_exchanged_access_token(
            {
                "shop": shop_name(store.domain),
                "refresh_token": store.refresh_token,
                "expires": "",  # we decide when to refresh (REFRESH_MARGIN)
                "refresh_token_expires": _stamp(store.refresh_token_expires_at),
                "access_mode": "offline",
            },
            http_client=client,
        )
    if not result.ok or result.access_token is None:
        if result.log.code in {"network_error", "server_error"}:
            raise TransientError(f"token refresh failed: {result.log.code}")
        raise InstallError(f"token refresh refused: {result.log.code}")
    return _grant_from(result.access_token)


def _stamp(value: datetime | None) -> str:
    aware = as_utc(value)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ") if aware else ""


# --- the authorization-code grant (non-embedded installs) -----------------------------------


def authorize_url(domain: str, redirect_uri: str, nonce: str) -> str:
    """Return Shopify's consent URL for the authorization-code grant."""
    query = urlencode(
        {
            "client_id": current_app.config["SETTINGS"].shopify_api_key,
            "scope": SCOPES,
            "redirect_uri": redirect_uri,
            "state": nonce,
        }
    )
    return f"https://{domain}/admin/oauth/authorize?{query}"


def query_hmac(params: dict[str, str], secret: str) -> str:
    """Return the hex HMAC-SHA256 Shopify puts on a redirect's sorted query (without hmac)."""
    message = "&".join(
        f"{k}={v}" for k, v in sorted(params.items()) if k not in {"hmac", "signature"}
    )
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_callback(params: dict[str, str], nonce: str | None) -> str:
    """Check a callback's HMAC, timestamp, state and shop; return the shop or raise InstallError."""
    settings = current_app.config["SETTINGS"]
    sent = params.get("hmac", "")
    secrets = [s for s in (settings.shopify_api_secret, settings.shopify_old_api_secret) if s]
    if not sent or not any(hmac.compare_digest(sent, query_hmac(params, s)) for s in secrets):
        raise CallbackRejected("the callback's HMAC does not match")
    try:
        age = abs(time.time() - int(params.get("timestamp", "")))
    except ValueError:
        age = float("inf")
    if age > TIMESTAMP_TOLERANCE:
        raise CallbackRejected("the callback's timestamp is missing or stale")
    if not nonce or not hmac.compare_digest(params.get("state", ""), nonce):
        raise CallbackRejected("the callback's state does not match this browser's nonce")
    shop = params.get("shop", "")
    if not is_shop_domain(shop):
        raise CallbackRejected("the callback names an invalid shop domain")
    return shop


def exchange_code(domain: str, code: str) -> dict[str, Any]:
    """Trade an authorization code for an expiring offline token; return the grant."""
    settings = current_app.config["SETTINGS"]
    body = {
        "client_id": settings.shopify_api_key,
        "client_secret": settings.shopify_api_secret,
        "code": code,
        "expiring": 1,
    }
    with http_client() as client:
        response = client.post(f"https://{domain}/admin/oauth/access_token", json=body)
    if response.status_code != 200:
        raise InstallError(f"Shopify refused the authorization code (HTTP {response.status_code})")
    data = response.json()
    if not isinstance(data, dict) or "access_token" not in data:
        raise InstallError("Shopify's token response has no access_token")
    return data
