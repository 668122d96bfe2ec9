"""Delivery backends behind one interface: dev outbox, SMTP and the Postmark API."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from ecomapp.jobs import PermanentError

log = logging.getLogger(__name__)


@dataclass
class Outgoing:
    """One composed e-mail, ready for any backend."""

    message_id: int
    message_id_header: str
    from_addr: str
    to: str
    subject: str
    html: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes = b""  # the wire bytes (mail/wire.py); SMTP sends them as they are
    # Called right before the content can be accepted (after the envelope) by backends whose
    # `calls_before_content` is true; raising there sends nothing.
    before_content: Callable[[], None] | None = None


class DeliveryUnknown(Exception):
    """The hand-over was interrupted after the content left: it may have been delivered."""


class RecipientRejected(PermanentError):
    """The receiving side refused this address for good (a hard bounce)."""


class MailBackend(ABC):
    """Hands composed e-mails to a delivery service."""

    name: ClassVar[str]
    calls_before_content: ClassVar[bool] = False

    @abstractmethod
    def send(self, outgoing: Outgoing) -> str | None:
        """Deliver one e-mail; return the provider's id or None.

        Raises TransientError (retry later, nothing was delivered), PermanentError
        (never retry), RecipientRejected (hard bounce) or DeliveryUnknown.
        """

    def was_sent(self, outgoing: Outgoing) -> bool | None:
        """Return whether an interrupted send went out, or None when this backend cannot tell."""
        return None

    def close(self) -> None:
        """Release connections held across a batch."""


class OutboxBackend(MailBackend):
    """The embedded default: messages stay in the database and the panel shows them."""

    name = "outbox"

    def send(self, outgoing: Outgoing) -> str | None:
        """Keep the message in the outbox (its row already holds everything)."""
        log.info("outbox: message %s to %s", outgoing.message_id, outgoing.to)
        return None

    def was_sent(self, outgoing: Outgoing) -> bool | None:
        """Return True: an outbox hand-over cannot half-happen."""
        return True


BACKENDS: dict[str, str] = {
    "outbox": "ecomapp.mail.backends:OutboxBackend",
    "smtp": "ecomapp.mail.smtp:SmtpBackend",
    "postmark": "ecomapp.mail.postmark:PostmarkBackend",
}
