"""A real SMTP server on loopback (aiosmtpd) that records what it accepts."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """Return a loopback port nobody listens on (Controller(port=0) does not work)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    """One accepted message: envelope and parsed content."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def email(self) -> EmailMessage:
        """Return the message parsed with the modern e-mail policy."""
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]


@dataclass
class RecordingHandler:
    """Accept mail, remember it; refuse or defer chosen recipients; count connections."""

    received: list[Received] = field(default_factory=list)
    reject: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)
    connections: int = 0
    drop_next_mail: bool = False
    on_data: Callable[[], None] | None = None

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        if not getattr(session, "counted", False):
            session.counted = True
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.drop_next_mail:  # like a server closing an idle connection
            self.drop_next_mail = False
            server.transport.close()
            return "421 4.4.2 idle timeout"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.reject:
            return "550 5.1.1 no such mailbox"
        if address in self.defer:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        if self.on_data is not None:
            self.on_data()
        return "250 2.0.0 accepted"


@dataclass
class SmtpServer:
    """A running loopback server and the URL that reaches it."""

    handler: RecordingHandler
    port: int
    url: str

    @property
    def received(self) -> list[Received]:
        """Return the messages accepted so far."""
        return self.handler.received


def _check_login(users: dict[str, str]) -> Callable[..., AuthResult]:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):  # type: ignore[no-untyped-def]
        if isinstance(data, LoginPassword):
            ok = users.get(data.login.decode()) == data.password.decode()
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    return authenticator


class QuietController(Controller):
    """A controller whose per-connection SMTP objects may warn without failing the test."""

    def factory(self) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # AUTH without TLS is fine on loopback
            return super().factory()


@contextmanager
def running_smtp(
    users: dict[str, str] | None = None,
    tls: tuple[Path, Path] | None = None,
    implicit_tls: bool = False,
) -> Iterator[SmtpServer]:
    """Run an aiosmtpd server on a free loopback port; optional AUTH, STARTTLS or TLS."""
    handler = RecordingHandler()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if users is not None:
        kwargs |= {"authenticator": _check_login(users), "auth_required": True}
        kwargs["auth_require_tls"] = tls is not None
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        if implicit_tls:
            kwargs["ssl_context"] = context
        else:
            kwargs |= {"tls_context": context, "require_starttls": True}
    controller = QuietController(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer(handler, port, f"smtp://127.0.0.1:{port}")
    finally:
        controller.stop()


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 and its key; return their paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Wide validity: OpenSSL checks it against the machine's clock, not the test clock.
        .not_valid_before(now - dt.timedelta(days=3650))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
