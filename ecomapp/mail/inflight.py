"""Which message of a claimed group was in flight, kept in Redis so a kill strands at most one.

Used by campaigns (a group per send) and automation mail (a group per store batch). A claimed
group shares its `sending_at`. Right after the claim its marker is "0" (nothing handed over
yet); before each message is handed over the marker becomes that message's id. After a kill,
the group's rows below the marker were handed over, the marker's own row may or may not have
been (uncertain), and the rows above it never left (pending again). A missing marker (Redis
lost it) is left to the caller (campaigns: the whole group uncertain). A sender settles every
row that did not go (failed, retried, interrupted) before it moves the marker on, so the rows
still `sending` below the marker are exactly the ones handed over.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update

from ecomapp.extensions import db
from ecomapp.jobs.queue import redis_connection
from ecomapp.mail.backends import MailBackend, Outgoing
from ecomapp.models import Message, MessageStatus
from ecomapp.models.types import as_utc

TTL_SECONDS = 7 * 24 * 3600
UNCERTAIN = "interrupted while sending: it may have been delivered, so it was not sent again"
RECOVERED = "handed over before the worker was killed"


def key(owner: str, sending_at: datetime) -> str:
    """Return the Redis key of one claimed group (owner: "campaign:<send id>" or
    "mail:<store id>")."""
    kind, _, ident = owner.partition(":")
    return f"ecomapp:{kind}-inflight:{ident}:{as_utc(sending_at).isoformat()}"


def start(owner: str, sending_at: datetime) -> str:
    """Record that a group was claimed and nothing was handed over yet; return its key."""
    name = key(owner, sending_at)
    redis_connection().set(name, "0", ex=TTL_SECONDS)
    return name


def start_unique(owner: str, at: datetime) -> tuple[str, datetime]:
    """Record a new group at the first claim time from `at` that no other group of this owner
    holds (two workers claiming in the same microsecond get distinct groups); return its key
    and that time, which the caller stamps on the group's rows."""
    conn = redis_connection()
    while not conn.set(key(owner, at), "0", ex=TTL_SECONDS, nx=True):
        at += timedelta(microseconds=1)
    return key(owner, at), at


class Markers:
    """The marker writes of one sender, on one Redis connection held across its batches.

    `send` writes a message's marker without waiting; `confirm` waits for Redis to have
    stored it, just before the content leaves, so Redis answers while the message is built
    and its envelope is sent.
    """

    def __init__(self) -> None:
        self.pool = redis_connection().connection_pool
        self.conn: Any = None
        self.pending = False

    def send(self, name: str, message_id: int) -> None:
        """Write that this message is about to be handed over (the reply is read later)."""
        self.settle()
        if self.conn is None:
            self.conn = self.pool.get_connection()
        try:
            self.conn.send_command("SET", name, str(message_id), "EX", TTL_SECONDS)
        except BaseException:
            self._drop()
            raise
        self.pending = True

    def confirm(self) -> None:
        """Wait for Redis to have stored the last marker; raise when it did not."""
        if not self.pending:
            return
        self.pending = False
        try:
            reply = self.conn.read_response()
        except BaseException:
            self._drop()
            raise
        if reply not in (True, b"OK", "OK"):
            raise RuntimeError(f"in-flight marker not stored: {reply!r}")

    def settle(self) -> None:
        """Read a reply nobody waited for (the send failed first); never raise."""
        try:
            self.confirm()
        except Exception:  # the send's own error is the one that matters
            return

    def close(self) -> None:
        """Give the connection back to the pool."""
        self.settle()
        if self.conn is not None:
            self.pool.release(self.conn)
            self.conn = None

    def _drop(self) -> None:
        self.pending = False
        if self.conn is not None:
            self.conn.disconnect()
            self.pool.release(self.conn)
            self.conn = None


def finish(name: str) -> None:
    """Forget a group once every row of it is marked."""
    redis_connection().delete(name)


def hand_over(
    markers: Markers,
    name: str | None,
    message_id: int,
    build: Callable[[], Outgoing],
    backend: MailBackend,
) -> tuple[Outgoing, str | None]:
    """Send one message of a claimed group: its marker is written first and confirmed before
    the content leaves (by the backend after the envelope where it can, SMTP; else now);
    return the e-mail and the provider's id."""
    if name:
        markers.send(name, message_id)
    try:
        out = build()  # built while Redis stores the marker
        if name and backend.calls_before_content:
            out.before_content = markers.confirm
        elif name:
            markers.confirm()
        return out, backend.send(out)
    finally:
        markers.settle()


def _set(where: object, status: str, error: str | None, **extra: object) -> None:
    values = {"status": status, "error": error} | extra
    db.session.execute(update(Message).where(where).values(**values))  # type: ignore[arg-type]


def recover_group(name: str, group: ColumnElement[bool], header: dict[str, Any]) -> bool:
    """Settle one stranded group's `sending` rows by its marker (not committed); False when
    the marker is missing (nothing was changed)."""
    raw = redis_connection().get(name)
    if raw is None:
        return False
    marker = int(raw)
    group = and_(group, Message.status == MessageStatus.SENDING.value)
    sent = {"sent_at": Message.sending_at} | header
    _set(and_(group, Message.id < marker), MessageStatus.SENT.value, RECOVERED, **sent)
    _set(and_(group, Message.id == marker), MessageStatus.UNCERTAIN.value, UNCERTAIN, **header)
    _set(
        and_(group, Message.id > marker),
        MessageStatus.PENDING.value,
        None,
        sending_at=None,
        attempts=Message.attempts - 1,
    )
    return True


def recover(send_id: int, stale_before: datetime, msgid: object = None) -> int:
    """Settle the groups a killed campaign worker left `sending` (msgid: the SQL of a row's
    Message-ID, kept on the rows that may have left); return how many groups."""
    header = {} if msgid is None else {"message_id_header": msgid}
    stranded = and_(
        Message.campaign_send_id == send_id,
        Message.status == MessageStatus.SENDING.value,
        Message.sending_at < stale_before,
    )
    groups = db.session.scalars(select(Message.sending_at).where(stranded).distinct()).all()
    settled = []
    for sending_at in (g for g in groups if g is not None):
        group = and_(stranded, Message.sending_at == sending_at)
        name = key(f"campaign:{send_id}", sending_at)
        if not recover_group(name, group, header):
            _set(group, MessageStatus.UNCERTAIN.value, UNCERTAIN, **header)
        settled.append(name)
    db.session.commit()
    for name in settled:
        finish(name)
    return len(groups)
