"""VAPID keys: one pair per deployment, from configuration, else a dev pair in the instance."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app

from ecomapp.jobs.retry import PermanentError

DEV_FILE = "vapid-dev-keys.json"


class PushNotConfigured(PermanentError):
    """Production without VAPID keys: nothing is sent and no key is handed out."""


@dataclass(frozen=True)
class VapidKeys:
    """A VAPID key pair as Web Push uses it: base64url raw scalar and uncompressed point."""

    public_key: str
    private_key: str


def b64url(raw: bytes) -> str:
    """Return unpadded base64url text."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def generate_keys() -> VapidKeys:
    """Return a fresh P-256 key pair."""
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(b64url(point), b64url(key.private_numbers().private_value.to_bytes(32, "big")))


def _dev_keys(instance: Path) -> VapidKeys:
    path = instance / DEV_FILE
    if path.exists():
        return VapidKeys(**json.loads(path.read_text()))
    keys = generate_keys()
    instance.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys.__dict__))
    os.chmod(path, 0o600)
    return keys


def vapid_keys() -> VapidKeys:
    """Return the deployment's keys: VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY, else the dev pair."""
    config = current_app.config
    public = config.get("VAPID_PUBLIC_KEY") or os.environ.get("VAPID_PUBLIC_KEY")
    private = config.get("VAPID_PRIVATE_KEY") or os.environ.get("VAPID_PRIVATE_KEY")
    if public and private:
        return VapidKeys(public, private)
    if config["SETTINGS"].is_production:
        raise PushNotConfigured(
            "VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not set (flask push-keys)"
        )
    return _dev_keys(Path(current_app.instance_path))


def vapid_subject() -> str:
    """Return the contact the push services see in the VAPID claims."""
    return str(
        current_app.config.get("VAPID_SUBJECT")
        or os.environ.get("VAPID_SUBJECT")
        or "mailto:push@ecomapp.invalid"
    )
