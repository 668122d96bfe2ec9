"""Expiring offline tokens: refreshed before expiry, once per shop, under a shared lock."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from redis.exceptions import LockError
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ecomapp.extensions import db
from ecomapp.jobs.queue import redis_connection
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.models import Store, utcnow
from ecomapp.models.types import as_utc
from ecomapp.platforms.shopify.domains import shop_name
from ecomapp.platforms.shopify.graphql import shopify_app
from ecomapp.platforms.shopify.http import http_client
from ecomapp.platforms.shopify.install import InstallError, grant_from, save_tokens

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)
LOCK_SECONDS = 30
# Shopify's answers (as shopifyapp codes them) meaning our refresh token is spent or expired:
# typically a worker died after Shopify rotated the token but before our commit.
REFUSED_REFRESH = {"invalid_grant", "refresh_token_expired"}


class ReauthorizationNeeded(PermanentError):
    """Shopify refused the shop's refresh token; only the merchant reopening the app helps."""

    def __init__(self, domain: str) -> None:
        super().__init__(
            f"{domain} needs re-authorisation: Shopify no longer accepts our refresh token. "
            "Open ecomapp from the Shopify admin (Apps → ecomapp) to reconnect."
        )


def needs_refresh(store: Store) -> bool:
    """Return True when the access token expires within the refresh margin."""
    expires = as_utc(store.access_token_expires_at)
    return expires is not None and expires - utcnow() <= REFRESH_MARGIN


def access_token_for(store: Store) -> str:
    """Return a usable access token, refreshing it first when it is about to expire."""
    if not store.is_active or not store.access_token:
        raise PermanentError(f"{store.domain} has no access token (uninstalled?)")
    if store.needs_reauth_since is not None:
        raise ReauthorizationNeeded(store.domain)
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
            # NO KEY UPDATE: serialises refreshers without blocking inserts that reference the store
            lock_row = select(Store).where(Store.id == store_id).with_for_update(key_share=True)
            store = session.scalar(lock_row)
            if store is None or not needs_refresh(store):
                return  # another worker refreshed it while we waited
            save_tokens(store, _refresh_grant(store))
            log.info("shopify %s: access token refreshed", store.domain)
    except OperationalError as exc:
        raise TransientError(f"could not lock {store_id} for a token refresh: {exc}") from exc
    except ReauthorizationNeeded:
        mark_needs_reauth(store_id)
        raise
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
        if result.log.code in REFUSED_REFRESH:
            raise ReauthorizationNeeded(store.domain)
        raise InstallError(f"token refresh refused: {result.log.code}")
    return grant_from(result.access_token)


def mark_needs_reauth(store_id: int) -> None:
    """Record, in its own transaction, that the store must be authorised again."""
    with Session(db.engine) as session, session.begin():
        session.execute(
            update(Store)
            .where(Store.id == store_id, Store.needs_reauth_since.is_(None))
            .values(needs_reauth_since=utcnow())
        )
    log.warning(
        "shopify store %s: refresh token refused; marked as needing re-authorisation", store_id
    )


def _stamp(value: datetime | None) -> str:
    aware = as_utc(value)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ") if aware else ""
