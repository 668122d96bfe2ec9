"""Tiny named jobs the job tests enqueue; each leaves a visible row behind."""

from __future__ import annotations

from ecomapp.extensions import db
from ecomapp.jobs import PermanentError, TransientError
from ecomapp.models import Customer, Event, Store


def add_customer(store_id: int, platform_id: str) -> None:
    """Create one customer row (the job's visible effect)."""
    db.session.add(Customer(store_id=store_id, platform_id=platform_id, tags=[]))


def flaky_add_customer(store_id: int, platform_id: str, failures: int) -> None:
    """Fail transiently `failures` times (counted on the store), then add a customer."""
    store = db.session.get(Store, store_id)
    assert store is not None
    seen = int(store.settings.get("flaky_attempts", 0)) + 1
    store.settings = store.settings | {"flaky_attempts": seen}
    db.session.commit()
    if seen <= failures:
        raise TransientError(f"upstream 503 on attempt {seen}")
    add_customer(store_id, platform_id)


def broken(store_id: int) -> None:
    """Fail permanently, like a 4xx from a platform."""
    raise PermanentError("422 Unprocessable: tag too long")


def leaky_failure() -> None:
    """Fail permanently with an OAuth-signed URL in the message, as a failed request would."""
    from tests.fakes.flaky_platform import LEAKY_URL

    raise PermanentError(f"GET {LEAKY_URL}: HTTP 401")


def refusing_subscriber(event_id: int) -> None:
    """An event subscriber that fails permanently, like a 4xx from a platform."""
    raise PermanentError(f"422 Unprocessable: event {event_id} refused")


def tagging_subscriber(event_id: int) -> None:
    """An event subscriber that tags the event's customer with "seen" once per call."""
    event = db.session.get(Event, event_id)
    customer = db.session.get(Customer, event.subject_id) if event else None
    if customer is not None:
        customer.tags = [*customer.tags, "seen"]
        db.session.commit()
