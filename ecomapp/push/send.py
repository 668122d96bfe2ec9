"""Send Web Push: record one message per key, deliver it once with pywebpush, honour mail policy."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from sqlalchemy import func, select, update

from ecomapp import outbound
from ecomapp.extensions import db
from ecomapp.jobs import enqueue_after_commit
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.mail.effective_settings import effective_settings
from ecomapp.mail.policy import quiet_hours_end
from ecomapp.models import PushMessage, PushSubscription, Store
from ecomapp.models.types import as_utc, utcnow
from ecomapp.push.keys import vapid_keys, vapid_subject
from ecomapp.push.subscriptions import remove_subscription

DELIVER = "ecomapp.push.send:deliver_push"
TTL_SECONDS = 24 * 3600
STALE_PENDING = timedelta(minutes=10)  # a delivery job queued this long ago was lost
GONE = (404, 410)  # RFC 8030: the subscription expired or was unsubscribed


@dataclass
class PushRequest:
    """What an automation (or a back-in-stock notice) asks the push channel to send."""

    title: str
    body: str
    idempotency_key: str
    url: str = ""
    icon: str = ""
    kind: str = "transactional"  # marketing honours quiet hours and the frequency cap
    customer_id: int | None = None
    automation_id: int | None = None
    run_id: int | None = None


def queue_push(store: Store, sub: PushSubscription, req: PushRequest) -> PushMessage:
    """Record one push per (store, key) and enqueue its delivery after commit."""
    found = db.session.scalar(
        select(PushMessage).where(
            PushMessage.store_id == store.id, PushMessage.idempotency_key == req.idempotency_key
        )
    )
    if found is not None:
        return found
    message = PushMessage(
        store_id=store.id,
        idempotency_key=req.idempotency_key,
        subscription_id=sub.id,
        customer_id=req.customer_id or sub.customer_id,
        automation_id=req.automation_id,
        run_id=req.run_id,
        kind=req.kind,
        title=req.title[:255],
        body=req.body[:1000],  # the encrypted payload must stay under ~4 KB
        url=req.url,
        icon=req.icon,
        click_token=secrets.token_urlsafe(24),
        status="pending",
    )
    db.session.add(message)
    db.session.flush()
    enqueue_after_commit(DELIVER, message.id, store_id=store.id)
    return message


def click_url(message: PushMessage) -> str:
    """Return the tracked link a notification opens (it redirects to the message's URL)."""
    return f"{current_app.config['SETTINGS'].app_url}/p/c/{message.click_token}"


def _cap_until(store: Store, message: PushMessage, hours: int) -> datetime | None:
    if hours <= 0:
        return None
    last = db.session.scalar(
        select(func.max(PushMessage.sent_at)).where(
            PushMessage.store_id == store.id,
            PushMessage.kind == "marketing",
            PushMessage.id != message.id,
            PushMessage.subscription_id == message.subscription_id,
            PushMessage.status == "sent",
        )
    )
    stamp = as_utc(last)
    return None if stamp is None else stamp + timedelta(hours=hours)


def delay_until(store: Store, message: PushMessage, now: datetime) -> tuple[datetime, str] | None:
    """Return when a marketing push may go (frequency cap, quiet hours) if not now."""
    if message.kind != "marketing":
        return None
    settings = effective_settings(store)
    cap = _cap_until(store, message, settings.frequency_cap_hours)
    when = max(now, cap) if cap else now
    when = quiet_hours_end(store, when, settings.quiet_start_hour, settings.quiet_end_hour)
    if when <= now:
        return None
    return when, "frequency cap" if cap and cap > now else "quiet hours"


def _payload(message: PushMessage) -> str:
    body = {"title": message.title, "body": message.body, "url": click_url(message)}
    return json.dumps(body | ({"icon": message.icon} if message.icon else {}))


def _post(sub: PushSubscription, message: PushMessage) -> requests.Response:
    info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
    key = Vapid02.from_raw(vapid_keys().private_key.encode())
    try:
        with outbound.session() as session:
            return webpush(
                info,
                data=_payload(message),
                vapid_private_key=key,
                vapid_claims={"sub": vapid_subject()},
                ttl=TTL_SECONDS,
                timeout=10,
                requests_session=session,
            )
    except WebPushException as exc:
        if exc.response is None:
            raise TransientError(f"push service unreachable: {exc}") from exc
        return exc.response
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientError(f"push service unreachable: {exc}") from exc


def deliver_push(message_id: int) -> None:
    """Deliver one pending push now, or leave it for later (policy), exactly once."""
    message = db.session.get(PushMessage, message_id)
    if message is None or message.status != "pending":
        return
    store = db.session.get(Store, message.store_id)
    sub = message.subscription_id and db.session.get(PushSubscription, message.subscription_id)
    if store is None or not sub or sub.removed_at is not None:
        message.status, message.error = "gone", "the subscription was removed"
        db.session.commit()
        return
    later = delay_until(store, message, utcnow())
    if later is not None:
        message.scheduled_for, message.delay_reason = later[0], f"delayed by {later[1]}"
        db.session.commit()
        return
    claim = update(PushMessage).where(PushMessage.id == message.id, PushMessage.status == "pending")
    if db.session.execute(claim.values(status="sending")).rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return  # another worker has it
    db.session.commit()
    _send(sub, message)


def _send(sub: PushSubscription, message: PushMessage) -> None:
    try:
        response = _post(sub, message)
    except TransientError:
        message.status = "pending"  # never reached the push service: try again
        db.session.commit()
        raise
    code = response.status_code
    if code in GONE:
        remove_subscription(sub, f"push service answered {code}")
        message.status, message.error = "gone", f"push service answered {code}"
    elif code == 429 or code >= 500:
        message.status = "pending"
        db.session.commit()
        raise TransientError(f"push service answered {code}")
    elif code >= 300:
        message.status, message.error = "failed", f"push service answered {code}"
        db.session.commit()
        raise PermanentError(message.error)
    else:
        message.status, message.sent_at = "sent", utcnow()
    db.session.commit()


def send_due(now: datetime | None = None) -> int:
    """Enqueue delayed pushes whose time has come, and pending ones whose job was lost."""
    now = now or utcnow()
    due = PushMessage.scheduled_for <= now
    lost = PushMessage.scheduled_for.is_(None) & (PushMessage.created_at <= now - STALE_PENDING)
    rows = db.session.execute(
        select(PushMessage.id, PushMessage.store_id)
        .where(PushMessage.status == "pending", due | lost)
        .limit(1000)
    ).all()
    for row in rows:
        enqueue_after_commit(DELIVER, row.id, store_id=row.store_id)
    db.session.commit()
    return len(rows)
