"""Subscribers that take a store's events a batch at a time, in the engine's store job.

The engine (`ecomapp.automation.batch`) claims each store's new events in batches; for every
subscriber here it queues ONE job per batch with the ids of the event types it wants, in the
batch's transaction (so the job is queued exactly when the batch commits). A subscriber is
`path(store_id, event_ids)`; it must tolerate seeing an event twice (a retried job).

Feature packages register them in `init_app` into the app's registries
(`registries(app).batch_subscribers[path] = frozenset(types)`, ecomapp/registries.py).
"""
