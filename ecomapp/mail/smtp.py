"""SMTP delivery: TLS (STARTTLS or implicit), authentication, a connection reused per batch."""

from __future__ import annotations

import functools
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlparse

from ecomapp.jobs import PermanentError, TransientError
from ecomapp.mail.backends import DeliveryUnknown, MailBackend, Outgoing, RecipientRejected

IDLE_SECONDS = 30.0  # an older pooled connection is closed, not reused
BUSY_SECONDS = 5.0  # a connection used this recently is reused without a NOOP round trip
TIMEOUT_SECONDS = 20.0
_pool: dict[str, tuple[smtplib.SMTP, float]] = {}
_pool_lock = threading.Lock()


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to connect, parsed from smtp[s]://user:pass@host:port/?cafile=…."""

    host: str
    port: int
    username: str | None
    password: str | None
    tls: str  # "implicit" | "starttls" | "opportunistic"
    cafile: str | None = None
    timeout: float = TIMEOUT_SECONDS

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parse an SMTP URL; raise ValueError naming what is wrong."""
        parsed = urlparse(url)
        modes = {"smtp": "opportunistic", "smtp+starttls": "starttls", "smtps": "implicit"}
        if parsed.scheme not in modes or not parsed.hostname:
            raise ValueError("SMTP URL must look like smtp[s]://user:password@host:port")
        query = parse_qs(parsed.query)
        tls = modes[parsed.scheme]
        return cls(
            host=parsed.hostname,
            port=parsed.port or (465 if tls == "implicit" else 587),
            username=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            tls=tls,
            cafile=query.get("cafile", [None])[0],
            timeout=float(query.get("timeout", [TIMEOUT_SECONDS])[0]),
        )


def _context(config: SmtpConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=config.cafile)


def connect(config: SmtpConfig) -> smtplib.SMTP:
    """Open, secure and authenticate one SMTP connection; an untrusted certificate is final."""
    try:
        return _connect(config)
    except ssl.SSLCertVerificationError as exc:
        raise PermanentError(f"SMTP server certificate not trusted: {exc.verify_message}") from exc


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.tls == "implicit":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=_context(config)
        )
    else:
        conn = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        _secure_and_login(conn, config)
    except BaseException:
        conn.close()
        raise
    return conn


def _secure_and_login(conn: smtplib.SMTP, config: SmtpConfig) -> None:
    conn.ehlo()
    if config.tls == "starttls" or (config.tls == "opportunistic" and conn.has_extn("starttls")):
        conn.starttls(context=_context(config))
        conn.ehlo()
    if config.username:
        try:
            conn.login(config.username, config.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentError(f"SMTP authentication failed: {exc.smtp_code}") from exc


def _pooled(url: str, config: SmtpConfig) -> tuple[smtplib.SMTP, bool]:
    """Return a connection and whether it was reused (a busy one is reused without a NOOP)."""
    with _pool_lock:
        held = _pool.pop(url, None)
    if held is not None:
        conn, last_used = held
        idle = time.monotonic() - last_used
        try:
            if idle < BUSY_SECONDS or (idle < IDLE_SECONDS and conn.noop()[0] == 250):
                return conn, True
        except (smtplib.SMTPException, OSError):
            pass
        _quietly_close(conn)
    return connect(config), False


def _release(url: str, conn: smtplib.SMTP) -> None:
    with _pool_lock:
        old = _pool.pop(url, None)
        _pool[url] = (conn, time.monotonic())
    if old is not None and old[0] is not conn:
        _quietly_close(old[0])


def _quietly_close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def _reset_and_keep(url: str, conn: smtplib.SMTP) -> None:
    """Abort the refused transaction and keep the connection for the next message."""
    try:
        conn.rset()
    except (smtplib.SMTPException, OSError):
        _quietly_close(conn)
        return
    _release(url, conn)


def _refused(stage: str, code: int, reply: bytes | str) -> Exception:
    said = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    text = f"SMTP {stage} refused: {code} {said}"
    if 400 <= code < 500:
        return TransientError(text)
    return RecipientRejected(text) if stage == "RCPT" else PermanentError(text)


class SmtpBackend(MailBackend):
    """Send through an SMTP server; one connection is kept for the next message."""

    name = "smtp"
    calls_before_content = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.config = SmtpConfig.from_url(url)

    def send(self, outgoing: Outgoing) -> str | None:
        """Hand one message to the server with MAIL, RCPT and DATA."""
        return self._send(outgoing, fresh=False)

    def _send(self, outgoing: Outgoing, fresh: bool) -> str | None:
        try:
            conn, reused = (
                (connect(self.config), False) if fresh else _pooled(self.url, self.config)
            )
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"cannot connect to SMTP server: {exc}") from exc
        try:
            self._envelope(conn, outgoing)
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            _quietly_close(conn)
            if reused:  # the server dropped a pooled connection; nothing was sent yet
                return self._send(outgoing, fresh=True)
            raise TransientError(f"SMTP connection lost before sending: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            _quietly_close(conn)
            raise TransientError(f"SMTP failed before sending: {exc}") from exc
        except (TransientError, PermanentError):
            _reset_and_keep(self.url, conn)
            raise
        if outgoing.before_content is not None:
            try:
                outgoing.before_content()
            except BaseException:
                _reset_and_keep(self.url, conn)
                raise
        return self._data(conn, outgoing)

    def _envelope(self, conn: smtplib.SMTP, outgoing: Outgoing) -> None:
        code, reply = conn.mail(_address(outgoing.from_addr))
        if code != 250:
            raise _refused("MAIL", code, reply)
        code, reply = conn.rcpt(outgoing.to)
        if code not in (250, 251):
            raise _refused("RCPT", code, reply)

    def _data(self, conn: smtplib.SMTP, outgoing: Outgoing) -> str | None:
        try:
            code, reply = conn.data(outgoing.raw)
        except smtplib.SMTPDataError as exc:
            conn.rset()
            _release(self.url, conn)
            raise _refused("DATA", exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            _quietly_close(conn)
            raise DeliveryUnknown(f"connection lost while sending the content: {exc}") from exc
        if code != 250:
            conn.rset()
            _release(self.url, conn)
            raise _refused("DATA", code, reply)
        _release(self.url, conn)
        return reply.decode(errors="replace")[:255]

    def close(self) -> None:
        """Close this server's pooled connection."""
        with _pool_lock:
            held = _pool.pop(self.url, None)
        if held is not None:
            _quietly_close(held[0])


@functools.lru_cache(maxsize=256)
def _address(header_value: str) -> str:
    """Return the address of a From header value (a batch parses its sender once)."""
    return parseaddr(header_value)[1] or header_value


def close_all() -> None:
    """Close every pooled SMTP connection of this process."""
    with _pool_lock:
        held = list(_pool.values())
        _pool.clear()
    for conn, _ in held:
        _quietly_close(conn)
