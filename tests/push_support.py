"""Helpers for Web Push tests: this deployment's VAPID keys and a loopback push service."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from ecomapp.push.keys import generate_keys
from tests.fakes.push_service import PushService, running_push_service


@contextmanager
def push_ready(app: Flask) -> Iterator[PushService]:
    """Give the app VAPID keys and loopback reach, and serve a push service that checks them."""
    keys = generate_keys()
    saved = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(saved, allow_private_outbound=True)
    app.config.update(VAPID_PUBLIC_KEY=keys.public_key, VAPID_PRIVATE_KEY=keys.private_key)
    try:
        with running_push_service(keys.public_key) as service:
            yield service
    finally:
        app.config["SETTINGS"] = saved
        app.config.pop("VAPID_PUBLIC_KEY", None)
        app.config.pop("VAPID_PRIVATE_KEY", None)
