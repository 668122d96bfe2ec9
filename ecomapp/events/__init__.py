"""Canonical events: recorded once, then dispatched to subscribers as jobs."""

from ecomapp.events.bus import emit

__all__ = ["emit"]
