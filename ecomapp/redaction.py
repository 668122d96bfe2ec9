"""Scrub secrets from text we record: job and delivery errors, run errors, log lines.

Hand-written on purpose: the secrets are ours to know (WooCommerce `ck_`/`cs_` keys, OAuth 1.0a
query parameters, Shopify tokens and headers, passwords in URLs), and a dozen regular expressions
say exactly which; no maintained library knows these shapes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

MASK = "***"

_SECRET_NAMES = (
    r"oauth_[a-z_]+|consumer_key|consumer_secret|access_token|refresh_token|client_secret"
    r"|api_key|apikey|password|passwd|secret|token"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # WooCommerce REST keys and Shopify tokens wherever they appear.
    (re.compile(r"\b(ck|cs)_[A-Za-z0-9]{8,}"), rf"\1_{MASK}"),
    (re.compile(r"\b(shp(?:at|ua|ca|pa|ss))_[A-Za-z0-9]{8,}"), rf"\1_{MASK}"),
    # Header values, as `Name: value` or a dict repr `'Name': 'value'`.
    (
        re.compile(
            r"""(?i)((?:authorization|x-shopify-access-token|x-postmark-server-token)"""
            r"""['"]?\s*[:=]\s*['"]?)(?:(?:bearer|basic|token)\s+)?[^'",\s}]+"""
        ),
        rf"\1{MASK}",
    ),
    # Query and form parameters: name=value.
    (re.compile(rf"(?i)\b({_SECRET_NAMES})=[^&\s'\"#]+"), rf"\1={MASK}"),
    # JSON or repr fields: "name": "value".
    (re.compile(rf"""(?i)(['"](?:{_SECRET_NAMES})['"]\s*:\s*['"])[^'"]+"""), rf"\1{MASK}"),
    # Passwords in URLs: scheme://user:password@host.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@"), rf"\1{MASK}@"),
)


def scrub(text: str | None) -> str | None:
    """Return text with every secret we know the shape of replaced by ***."""
    if not text:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def describe(exc: BaseException) -> str:
    """Return `Type: message` of an exception, scrubbed, as recorded errors show it."""
    return scrub(f"{type(exc).__name__}: {exc}") or type(exc).__name__


class ScrubSecrets(logging.Filter):
    """A logging filter that scrubs the message and the traceback of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's text without secrets; never drop a record."""
        if getattr(record, "_scrubbed", False):
            return True
        try:
            record.msg = scrub(record.getMessage())
        except Exception:  # a bad format string: the handler reports it, as logging does
            return True
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = scrub(record.exc_text)
        record._scrubbed = True
        return True


def install_log_filter(logger: logging.Logger | None = None) -> None:
    """Attach one ScrubSecrets filter to a logger (the root by default) and its handlers.

    A logger's filters do not see records its children propagate, and handlers come and go
    (RQ's, gunicorn's, pytest's), so every record is also scrubbed as it is created.
    """
    logger = logger or logging.getLogger()
    for target in (logger, *logger.handlers):
        if not any(isinstance(f, ScrubSecrets) for f in target.filters):
            target.addFilter(ScrubSecrets())
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "_scrubs", False):
        logging.setLogRecordFactory(_scrubbing_factory(factory))


def _scrubbing_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    scrubber = ScrubSecrets()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        scrubber.filter(record)
        return record

    factory._scrubs = True  # type: ignore[attr-defined]
    return factory
