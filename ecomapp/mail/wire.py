"""The bytes of one e-mail, built without the email package's per-message cost.

multipart/alternative with a text and an HTML part, each UTF-8 in base64 (lines of 76, CRLF),
headers as the mailer sets them (List-Unsubscribe one-click on mail that offers opting out).
Used by automation mail (`compose.outgoing`) and campaigns alike.
"""

from __future__ import annotations

import base64
import functools
import itertools
import secrets
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr

from ecomapp.models import utcnow

_PREFIX = f"=_{secrets.token_hex(8)}."  # "=_" never occurs in base64 or in our headers
_SERIAL = itertools.count()
_date: tuple[int, str] = (0, "")


def _boundary() -> str:
    """Return a MIME boundary unique in this process (no random read per message)."""
    return f"{_PREFIX}{next(_SERIAL)}"


def _date_header() -> str:
    """Return the Date header value, formatted once per second."""
    global _date
    now = utcnow()
    second = int(now.timestamp())
    if _date[0] != second:
        _date = (second, format_datetime(now))
    return _date[1]


def _b64(text: str) -> bytes:
    return base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")


def header_text(value: str) -> str:
    """Return a header value, RFC 2047-encoded when it is not ASCII."""
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


@functools.lru_cache(maxsize=256)
def sender(from_address: str) -> tuple[str, str]:
    """Return the envelope address and the encoded From header of a from address."""
    name, address = parseaddr(from_address)
    return address or from_address, formataddr((name, address), charset="utf-8")


def wire(
    from_header: str,
    to: str,
    subject: str,
    msgid: str,
    unsubscribe: str | None,
    text: str,
    html: str,
) -> bytes:
    """Return one e-mail as SMTP sends it (unsubscribe: the one-click URL, or None)."""
    boundary = _boundary()
    opt_out = (
        f"List-Unsubscribe: <{unsubscribe}>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        if unsubscribe
        else ""
    )
    head = (
        f"From: {from_header}\r\nTo: {to}\r\nSubject: {header_text(subject)}\r\n"
        f"Date: {_date_header()}\r\nMessage-ID: {msgid}\r\nMIME-Version: 1.0\r\n{opt_out}"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
    )
    part = 'Content-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    return b"".join(
        (
            head.encode("utf-8"),
            f"--{boundary}\r\n{part.format('plain')}".encode(),
            _b64(text),
            f"--{boundary}\r\n{part.format('html')}".encode(),
            _b64(html),
            f"--{boundary}--\r\n".encode(),
        )
    )
