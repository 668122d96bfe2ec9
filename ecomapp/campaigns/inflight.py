"""Which message of a claimed group was in flight, kept in Redis so a kill strands at most one.

A claimed group shares its `sending_at`. Right after the claim its marker is "0" (nothing
handed over yet); before each message is handed over the marker becomes that message's id.
After a kill, the group's rows below the marker were handed over, the marker's own row may or
may not have been (uncertain), and the rows above it never left (pending again). A missing
marker (Redis lost it) leaves the whole group uncertain.
"""

from __future__ import annotations

from datetime import datetime

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


def handing_over(name: str, message_id: int) -> None:
    """Record that this message is about to be handed over."""
    redis_connection().set(name, str(message_id), ex=TTL_SECONDS)


def finish(name: str) -> None:
    """Forget a group once every row of it is marked."""
    redis_connection().delete(name)


def _set(where: object, status: str, error: str | None, **extra: object) -> None:
    values = {"status": status, "error": error} | extra
    db.session.execute(update(Message).where(where).values(**values))  # type: ignore[arg-type]


def recover(send_id: int, stale_before: datetime) -> int:
    """Settle the groups a killed worker left `sending`; return how many groups."""
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
            _set(group, MessageStatus.UNCERTAIN.value, UNCERTAIN)
            continue
        marker = int(raw)
        _set(and_(group, Message.id < marker), MessageStatus.SENT.value, RECOVERED)
        _set(and_(group, Message.id == marker), MessageStatus.UNCERTAIN.value, UNCERTAIN)
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
