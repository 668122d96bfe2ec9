"""A Web Push service on loopback: checks VAPID (RFC 8292), decrypts aes128gcm (RFC 8291).

Each browser it knows is a subscription with its own P-256 key pair and auth secret, as a real
browser would create; the service answers 201 for a push it could verify and decrypt, 401/403 for
a bad VAPID token, 400 for a payload it cannot decrypt, and 410 for a subscription marked gone.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ecomapp.models.types import utcnow  # the suite's controllable clock


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One subscribed browser: its receiving key pair and auth secret."""

    name: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))
    gone: bool = False

    def subscription(self, base_url: str) -> dict[str, Any]:
        """Return what PushSubscription.toJSON() gives the page."""
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        keys = {"p256dh": _b64(point), "auth": _b64(self.auth)}
        return {"endpoint": f"{base_url}/push/{self.name}", "keys": keys}


@dataclass
class PushService:
    """What the push service accepted (decrypted) and refused."""

    vapid_public_key: str
    browsers: dict[str, Browser] = field(default_factory=dict)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[str, int, str]] = field(default_factory=list)
    url: str = ""

    def browser(self, name: str) -> Browser:
        """Return (creating) the browser with this name."""
        return self.browsers.setdefault(name, Browser(name))

    def _vapid(self, request: Request) -> str | None:
        scheme, _, params = request.headers.get("Authorization", "").partition(" ")
        parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
        if scheme.lower() != "vapid" or "t" not in parts or "k" not in parts:
            return "no vapid authorization"
        if parts["k"] != self.vapid_public_key:
            return "unknown application server key"
        point = _unb64(parts["k"])
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        try:
            claims = jwt.decode(parts["t"], public, algorithms=["ES256"], audience=self.url)
        except jwt.PyJWTError as exc:
            return f"bad vapid token: {exc}"
        if claims["exp"] > utcnow().timestamp() + 24 * 3600 or not str(
            claims.get("sub", "")
        ).startswith(("mailto:", "https:")):
            return "vapid claims out of bounds"
        return None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        name = request.path.removeprefix("/push/")
        browser = self.browsers.get(name)
        problem = self._vapid(request)
        if problem:
            return self._refuse(name, 403, problem)(environ, start_response)
        if browser is None or browser.gone:
            return self._refuse(name, 410, "subscription gone")(environ, start_response)
        if request.headers.get("Content-Encoding") != "aes128gcm":
            return self._refuse(name, 400, "not aes128gcm")(environ, start_response)
        try:
            plain = http_ece.decrypt(
                request.get_data(), private_key=browser.key, auth_secret=browser.auth
            )
        except Exception as exc:  # any decryption failure is the sender's fault
            return self._refuse(name, 400, f"cannot decrypt: {exc}")(environ, start_response)
        self.delivered.append(
            {"browser": name, "ttl": request.headers.get("TTL")} | json.loads(plain)
        )
        return Response("", 201)(environ, start_response)

    def _refuse(self, name: str, status: int, why: str) -> Response:
        self.refused.append((name, status, why))
        return Response(why, status)


@contextmanager
def running_push_service(vapid_public_key: str) -> Iterator[PushService]:
    """Serve a push service on a free loopback port for the duration of the block."""
    service = PushService(vapid_public_key)
    server = make_server("127.0.0.1", 0, service, threaded=True)
    service.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
