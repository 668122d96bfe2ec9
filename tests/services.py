"""Where the tests find PostgreSQL and Redis: real ones when configured, else embedded."""

from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlparse

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
LOCAL_REDIS_URL = TEST_REDIS_URL or "redis://127.0.0.1:6379/15"
RUN_ID = uuid.uuid4().hex[:8]
# How many worker process groups the kill test SIGKILLs (CI: 20; `ECOMAPP_TEST_KILLS=100` for
# the full storm, which takes several minutes on two cores).
KILL_STORM = int(os.environ.get("ECOMAPP_TEST_KILLS", "20"))


def reachable(url: str, default_port: int) -> bool:
    """Return True when something listens at the URL's host and port."""
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def redis_for_processes() -> str | None:
    """Return a real Redis URL that several processes can share, or None."""
    return LOCAL_REDIS_URL if reachable(LOCAL_REDIS_URL, 6379) else None
