"""Per-IP limits on storefront forms: a Redis counter per window, in-process when Redis fails."""

from __future__ import annotations

import threading

from redis.exceptions import RedisError

from ecomapp.jobs.queue import redis_connection
from ecomapp.models.types import utcnow

SIGNUPS_PER_WINDOW = 5
WINDOW_SECONDS = 600
_local: dict[str, int] = {}
_local_lock = threading.Lock()


def _key(scope: str, store_id: int, ip: str) -> str:
    bucket = int(utcnow().timestamp()) // WINDOW_SECONDS
    return f"ecomapp:rate:{scope}:{store_id}:{ip}:{bucket}"


def _count_locally(key: str) -> int:
    with _local_lock:
        if len(_local) > 10_000:  # old windows are never read again
            _local.clear()
        _local[key] = _local.get(key, 0) + 1
        return _local[key]


def allow(scope: str, store_id: int, ip: str, limit: int = SIGNUPS_PER_WINDOW) -> bool:
    """Count one attempt from ip on a store; False once the window's limit is passed."""
    key = _key(scope, store_id, ip or "unknown")
    try:
        conn = redis_connection()
        count = int(conn.incr(key))
        if count == 1:
            conn.expire(key, WINDOW_SECONDS)
    except RedisError:
        count = _count_locally(key)
    return count <= limit
