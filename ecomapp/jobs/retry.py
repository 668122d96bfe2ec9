"""Which failures are worth retrying, how often, and how long to wait before the next try.

One retry owner per layer (docs/jobs.md):
- the HTTP client retries a transient failure HTTP_RETRIES times in the call, waiting at most
  HTTP_MAX_WAIT_SECONDS (a longer Retry-After goes up to the job layer at once);
- the job layer (job runner, automation runs, mail deliveries) tries MAX_ATTEMPTS times with
  exponential backoff through due work, then records the failure for the panel;
- the sweepers only rescue work whose job was lost, MAX_RESCUES times.
A platform that fails forever therefore sees (1 + HTTP_RETRIES) * MAX_ATTEMPTS = 15 calls per step.
"""

from __future__ import annotations

import random

MAX_ATTEMPTS = 5
HTTP_RETRIES = 2
HTTP_MAX_WAIT_SECONDS = 30.0
MAX_RESCUES = 3
BASE_DELAY_SECONDS = 10.0
MAX_DELAY_SECONDS = 3600.0


class TransientError(Exception):
    """A failure that may pass: network, 5xx, 429, THROTTLED."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """A failure that retrying will not fix (4xx, invalid data); shown in the panel."""


def is_transient(exc: BaseException) -> bool:
    """Return True when exc is a failure worth retrying."""
    if isinstance(exc, TransientError):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    transient_names = {"ConnectionError", "Timeout", "TimeoutException", "TransportError"}
    return bool(names & transient_names) and not isinstance(exc, PermanentError)


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Return the delay before try attempt+1: exponential with jitter, at least retry_after."""
    delay = min(BASE_DELAY_SECONDS * 2 ** (attempt - 1), MAX_DELAY_SECONDS)
    delay *= random.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
