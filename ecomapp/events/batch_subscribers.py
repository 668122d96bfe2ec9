"""Subscribers that take a store's events a batch at a time, in the engine's store job.

The engine (`ecomapp.automation.batch`) claims each store's new events in batches; for every
subscriber here it queues ONE job per batch with the ids of the event types it wants, in the
batch's transaction (so the job is queued exactly when the batch commits). A subscriber is
`path(store_id, event_ids)`; it must tolerate seeing an event twice (a retried job).
"""

from __future__ import annotations

# Import path of a function taking (store id, event ids) -> the event types it wants.
BATCH_SUBSCRIBERS: dict[str, frozenset[str]] = {}
