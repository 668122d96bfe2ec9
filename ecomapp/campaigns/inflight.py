"""Which message of a claimed group was in flight, kept in Redis so a kill strands at most one.

A claimed group shares its `sending_at`. Right after the claim its marker is "0" (nothing
handed over yet); before each message is handed over the marker becomes that message's id.
After a kill, the group's rows below the marker were handed over, the marker's own row may or
may not have been (uncertain), and the rows above it never left (pending again). A missing
marker (Redis lost it) leaves the whole group uncertain.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update

from ecomapp.extensions import db
from ecomapp.jobs.queue import redis_connection
from ecomapp.models import Message, MessageStatus
from ecomapp.models.types import as_utc

TTL_SECONDS = 7 * 24 * 3600
UNCERTAIN = "interrupted while sending: it may have been delivered, so it was not sent again"
RECOVERED = "handed over before the worker was killed"


def key(send_id: int, sending_at: datetime) -> str:
    """Return the Redis key of one claimed group."""
    return f"ecomapp:campaign-inflight:{send_id}:{as_utc(sending_at).isoformat()}"


def start(send_id: int, sending_at: datetime) -> str:
    """Record that a group was claimed and nothing was handed over yet; return its key."""
    name = key(send_id, sending_at)
    redis_connection().set(name, "0", ex=TTL_SECONDS)
    return name


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


def _set(where: object, status: str, error: str | None, **extra: object) -> None:
    values = {"status": status, "error": error} | extra
    db.session.execute(update(Message).where(where).values(**values))  # type: ignore[arg-type]


def recover(send_id: int, stale_before: datetime, msgid: object = None) -> int:
    """Settle the groups a killed worker left `sending` (msgid: the SQL of a row's Message-ID,
    kept on the rows that may have left); return how many groups."""
    header = {} if msgid is None else {"message_id_header": msgid}
    stranded = and_(
        Message.campaign_send_id == send_id,
        Message.status == MessageStatus.SENDING.value,
        Message.sending_at < stale_before,
    )
    groups = db.session.scalars(select(Message.sending_at).where(stranded).distinct()).all()
    for sending_at in (g for g in groups if g is not None):
        group = and_(stranded, Message.sending_at == sending_at)
        raw = redis_connection().get(key(send_id, sending_at))
        if raw is None:
            _set(group, MessageStatus.UNCERTAIN.value, UNCERTAIN, **header)
            continue
        marker = int(raw)
        _set(and_(group, Message.id < marker), MessageStatus.SENT.value, RECOVERED, **header)
        _set(and_(group, Message.id == marker), MessageStatus.UNCERTAIN.value, UNCERTAIN, **header)
        _set(
            and_(group, Message.id > marker),
            MessageStatus.PENDING.value,
            None,
            sending_at=None,
            attempts=Message.attempts - 1,
        )
        redis_connection().delete(key(send_id, sending_at))
    db.session.commit()
    return len(groups)
