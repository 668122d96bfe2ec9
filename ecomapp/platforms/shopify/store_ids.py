"""Which store a shop domain is, cached per process for a few seconds (the door asks per delivery).

A store row keeps its id for life (uninstall and reinstall reuse it), so a cached id is never
wrong, only possibly uninstalled, which ingestion checks anyway. Misses are not cached, so a
shop that installs is seen at once. Ours rather than a caching library: a dict and a lock is
all it takes, and the one library that would fit (cachetools) is not a dependency.
"""

from __future__ import annotations

import threading
import time

from flask import current_app
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import Platform, Store

TTL_SECONDS = 30.0
EXTENSION_KEY = "shopify_store_ids"


class StoreIdCache:
    """Shop domain → store id, each entry kept for TTL_SECONDS (monotonic clock)."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def get(self, domain: str) -> int | None:
        """Return the cached id of domain, or None when absent or stale."""
        with self._lock:
            entry = self._entries.get(domain)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, domain: str, store_id: int) -> None:
        """Remember domain's store id for the TTL."""
        with self._lock:
            self._entries[domain] = (store_id, time.monotonic() + self.ttl)

    def forget(self, domain: str) -> None:
        """Drop domain's entry."""
        with self._lock:
            self._entries.pop(domain, None)


def _cache() -> StoreIdCache:
    return current_app.extensions.setdefault(EXTENSION_KEY, StoreIdCache())


def store_id_for(domain: str) -> int | None:
    """Return the id of the Shopify store with this domain (installed or not), or None."""
    cache = _cache()
    found = cache.get(domain)
    if found is None:
        query = select(Store.id).where(
            Store.platform == Platform.SHOPIFY.value, Store.domain == domain
        )
        with db.engine.connect() as conn:  # no session transaction left open on the door
            found = conn.scalar(query)
        if found is not None:
            cache.put(domain, found)
    return found


def forget_store(domain: str) -> None:
    """Drop a shop from this process's cache (on uninstall)."""
    _cache().forget(domain)
