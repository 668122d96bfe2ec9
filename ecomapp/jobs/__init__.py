"""Background work: queues, the job runner, retries, due work and the ticker."""

from ecomapp.jobs.queue import enqueue_after_commit, enqueue_at, get_queue
from ecomapp.jobs.retry import PermanentError, TransientError

__all__ = ["PermanentError", "TransientError", "enqueue_after_commit", "enqueue_at", "get_queue"]
