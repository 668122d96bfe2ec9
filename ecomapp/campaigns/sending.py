"""Sending a campaign: materialise a batch in one INSERT … SELECT, claim it, send it, mark it.

Exactly once per (send, recipient): one message row per pair (unique idempotency key), a batch
claimed with one conditional UPDATE before anything leaves, marked sent in groups; a row a
killed worker left `sending` becomes `uncertain` after the send timeout and is never resent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, String, case, cast, func, insert, literal, select, update

from ecomapp.campaigns import assign
from ecomapp.campaigns.render import GridMaker, Prepared, Recipient, Signer, personalise, prepare
from ecomapp.extensions import affected, db
from ecomapp.jobs import PermanentError, TransientError, enqueue_after_commit, enqueue_at
from ecomapp.jobs.retry import MAX_ATTEMPTS
from ecomapp.mail import inflight
from ecomapp.mail.backends import DeliveryUnknown, MailBackend, Outgoing, RecipientRejected
from ecomapp.mail.effective_settings import EffectiveSettings, backend_for, effective_settings
from ecomapp.mail.policy import quiet_hours_end
from ecomapp.mail.postmark import PostmarkBackend
from ecomapp.mail.suppressions import suppress
from ecomapp.mail.wire import sender, wire
from ecomapp.models import (
    Campaign,
    CampaignSend,
    CampaignVersion,
    Customer,
    Message,
    MessageStatus,
    SendStatus,
    Store,
    SuppressionReason,
    utcnow,
)
from ecomapp.models.types import as_utc

BATCH = 500
JOB_SECONDS = 120.0  # then the job hands over to a fresh one
RETRY_LATER = timedelta(minutes=5)
POSTMARK_BATCH = 500  # Postmark's /email/batch limit


def batch_size() -> int:
    """Return the batch size (CAMPAIGN_BATCH in the app config, else 500)."""
    return int(current_app.config.get("CAMPAIGN_BATCH", BATCH))


def versions_of(campaign_id: int) -> list[CampaignVersion]:
    """Return a campaign's versions in priority order."""
    rows = db.session.scalars(
        select(CampaignVersion).where(CampaignVersion.campaign_id == campaign_id)
    ).all()
    return assign.ordered(list(rows))


@dataclass
class Claimed:
    """One claimed message and its recipient."""

    id: int
    to: str
    customer_id: int | None
    version_id: int
    subject: str = ""
    first_name: str = ""
    last_name: str = ""
    marker: str | None = None  # the group's in-flight key (ecomapp/mail/inflight.py)


def message_id_header(message_id: int, domain: str) -> str:
    """Return the deterministic Message-ID of a campaign message."""
    return f"<campaign.{message_id}@{domain.split(':')[0] or 'localhost'}>"


def msgid_of(domain: str) -> ColumnElement[str]:
    """Return the SQL of a campaign row's Message-ID (as wire.message_id_header builds it)."""
    host = domain.split(":")[0] or "localhost"
    return literal("<campaign.") + cast(Message.id, String) + literal(f"@{host}>")


def claim(send: CampaignSend, domain: str, limit: int) -> list[Claimed]:
    """Mark up to limit pending rows of the send `sending` in one UPDATE; return them."""
    now = utcnow()
    due = (Message.scheduled_for.is_(None)) | (Message.scheduled_for <= now)
    ids = (
        select(Message.id)
        .where(
            Message.campaign_send_id == send.id,
            Message.store_id == send.store_id,
            Message.status == MessageStatus.PENDING.value,
            due,
        )
        .order_by(Message.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    msgid = msgid_of(domain)
    rows = db.session.execute(
        update(Message)
        .where(Message.id.in_(ids.scalar_subquery()), Message.status == MessageStatus.PENDING.value)
        .values(
            status=MessageStatus.SENDING.value,
            sending_at=now,
            attempts=Message.attempts + 1,
            message_id_header=msgid,
        )
        .returning(
            Message.id,
            Message.to_email,
            Message.customer_id,
            Message.campaign_version_id,
            Message.subject,
        )
        .execution_options(synchronize_session=False)
    ).all()
    # before the claim commits: a kill right after it leaves "nothing sent yet", not a lost marker
    marker = inflight.start(f"campaign:{send.id}", now) if rows else None
    db.session.commit()
    claimed = {r[0]: Claimed(r[0], r[1], r[2], int(r[3] or 0), r[4], marker=marker) for r in rows}
    _names(send.store_id, list(claimed.values()))
    return sorted(claimed.values(), key=lambda c: c.id)


def _names(store_id: int, claimed: list[Claimed]) -> None:
    by_customer = {c.customer_id: c for c in claimed if c.customer_id}
    if not by_customer:
        return
    rows = db.session.execute(
        select(Customer.id, Customer.first_name, Customer.last_name).where(
            Customer.store_id == store_id, Customer.id.in_(list(by_customer))
        )
    ).all()
    for cid, first, last in rows:
        by_customer[cid].first_name, by_customer[cid].last_name = first or "", last or ""


def materialise_batch(send: CampaignSend, settings: EffectiveSettings) -> list[Claimed]:
    """Insert the next batch's message rows (policy decided in SQL), the ones to mail already
    claimed for this worker; return those (none when the audience is done or another worker
    took the batch)."""
    from ecomapp.campaigns.audience import base_condition

    ids = (
        select(Customer.id)
        .where(base_condition(send.store_id), Customer.id > send.cursor)
        .order_by(Customer.id)
        .limit(batch_size())
        .subquery()
    )
    top, count = db.session.execute(select(func.max(ids.c.id), func.count())).one()
    if not count:
        send.materialized = True
        db.session.commit()
        return []
    versions = versions_of(send.campaign_id)
    campaign = db.session.get(Campaign, send.campaign_id)
    ab = (send.phase, campaign.ab_percent if campaign else 0, send.winners or {})
    now = utcnow()
    rows = assign.batch_rows(
        send.store_id, send.id, versions, settings, now, (send.cursor, top), ab
    )
    moved = db.session.execute(
        update(CampaignSend)
        .where(CampaignSend.id == send.id, CampaignSend.cursor == send.cursor)
        .values(cursor=top)
    )
    if affected(moved) != 1:  # another worker took this batch
        db.session.rollback()
        return []
    marker = inflight.start(
        f"campaign:{send.id}", now
    )  # before the claimed rows exist: "nothing sent yet"
    inserted = db.session.execute(
        insert(Message)
        .from_select(list(assign.COLUMNS), rows)
        .returning(
            Message.id,
            Message.to_email,
            Message.customer_id,
            Message.campaign_version_id,
            Message.subject,
            Message.status,
        )
    ).all()
    db.session.commit()
    claimed = [
        Claimed(r[0], r[1], r[2], int(r[3] or 0), r[4], marker=marker)
        for r in inserted
        if r[5] == MessageStatus.SENDING.value
    ]
    if not claimed:
        inflight.finish(marker)
    _names(send.store_id, claimed)
    return sorted(claimed, key=lambda c: c.id)


@dataclass
class Outcome:
    """What happened to a claimed group; written back in a few statements."""

    sent: list[int] = field(default_factory=list)
    later: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str, bool]] = field(default_factory=list)  # id, error, bounced
    uncertain: list[tuple[int, str]] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)


def mark(store: Store, outcome: Outcome, backend: str) -> None:
    """Write a group's outcome back: one UPDATE for the sent rows, one per exception."""
    now, msgid = utcnow(), msgid_of(store.domain)
    if outcome.sent:
        db.session.execute(
            update(Message)
            .where(Message.id.in_(outcome.sent))
            .values(
                status=MessageStatus.SENT.value,
                sent_at=now,
                backend=backend,
                message_id_header=msgid,
            )
        )
    for mid, error in outcome.later:
        gave_up = Message.attempts >= MAX_ATTEMPTS
        status = case((gave_up, MessageStatus.FAILED.value), else_=MessageStatus.PENDING.value)
        db.session.execute(
            update(Message)
            .where(Message.id == mid)
            .values(status=status, error=error, scheduled_for=now + RETRY_LATER)
        )
    for mid, error, bounced in outcome.failed:
        values: dict[str, object] = {
            "status": MessageStatus.FAILED.value, "error": error, "message_id_header": msgid
        }  # fmt: skip
        if bounced:
            values["bounced_at"] = now
        db.session.execute(update(Message).where(Message.id == mid).values(**values))
    for mid, error in outcome.uncertain:
        values = {
            "status": MessageStatus.UNCERTAIN.value,
            "error": error,
            "message_id_header": msgid,
        }
        db.session.execute(update(Message).where(Message.id == mid).values(**values))
    if outcome.unsent:
        db.session.execute(
            update(Message)
            .where(Message.id.in_(outcome.unsent), Message.status == MessageStatus.SENDING.value)
            .values(status=MessageStatus.PENDING.value, attempts=Message.attempts - 1)
        )
    db.session.commit()


class Deliverer:
    """Renders each version once and hands a claimed group to one backend connection."""

    def __init__(self, store: Store, settings: EffectiveSettings) -> None:
        self.store, self.settings = store, settings
        self.backend: MailBackend = backend_for(settings)
        self.signer = Signer()
        self.envelope_from, self.from_header = sender(settings.from_address)
        self.prepared: dict[tuple[int, str], Prepared] = {}
        self.grid_maker = GridMaker(store)
        self.markers = inflight.Markers()

    def _version(self, version_id: int, subject: str) -> Prepared:
        if (version_id, subject) not in self.prepared:
            version = db.session.get(CampaignVersion, version_id)
            assert version is not None and version.store_id == self.store.id
            prepared = prepare(self.store, version, self.settings, subject or None)
            self.prepared[(version_id, subject)] = prepared
        return self.prepared[(version_id, subject)]

    def outgoing(self, item: Claimed) -> Outgoing:
        """Return the e-mail of one claimed message."""
        prepared = self._version(item.version_id, item.subject)
        person = personalise(
            prepared,
            self.signer,
            Recipient(item.id, item.first_name, item.last_name, item.to),
            self.grid_maker.grids(prepared, item.customer_id) if prepared.grids else None,
        )
        msgid = message_id_header(item.id, self.store.domain)
        raw = wire(
            self.from_header, item.to, person.subject, msgid, person.unsubscribe_url,
            person.text, person.html,
        )  # fmt: skip
        headers = {
            "List-Unsubscribe": f"<{person.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return Outgoing(
            item.id, msgid, self.settings.from_address, item.to, person.subject,
            person.html, person.text, headers=headers, raw=raw,
        )  # fmt: skip

    def deliver(self, claimed: list[Claimed]) -> None:
        """Send a claimed group: one batch request where the backend has one, else in order."""
        if any(self._version(c.version_id, c.subject).grids for c in claimed):
            self.grid_maker.load([c.customer_id for c in claimed if c.customer_id])
        if isinstance(self.backend, PostmarkBackend):
            self.deliver_batch(claimed)
        else:
            self.deliver_each(claimed)

    def deliver_batch(self, claimed: list[Claimed]) -> None:
        """Send a claimed group with Postmark's batch endpoint, 500 at a time."""
        assert isinstance(self.backend, PostmarkBackend)
        for start in range(0, len(claimed), POSTMARK_BATCH):
            group = claimed[start : start + POSTMARK_BATCH]
            if group[0].marker:  # no marker: a kill mid-request leaves the group uncertain
                inflight.finish(group[0].marker)
            outcome = Outcome()
            try:
                answers = self.backend.send_batch([self.outgoing(c) for c in group])
            except DeliveryUnknown as exc:
                outcome.uncertain += [(c.id, f"interrupted while sending: {exc}") for c in group]
                mark(self.store, outcome, self.backend.name)
                continue
            except (TransientError, PermanentError):
                outcome.unsent += [c.id for c in claimed[start:]]
                mark(self.store, outcome, self.backend.name)
                raise
            for item, answer in zip(group, answers, strict=False):
                self._record(outcome, item, answer)
            mark(self.store, outcome, self.backend.name)

    def _record(self, outcome: Outcome, item: Claimed, answer: str | Exception) -> None:
        if isinstance(answer, RecipientRejected):
            suppress(self.store, item.to, SuppressionReason.HARD_BOUNCE, item.id, str(answer))
            outcome.failed.append((item.id, str(answer), True))
        elif isinstance(answer, Exception):
            outcome.failed.append((item.id, str(answer), False))
        else:
            outcome.sent.append(item.id)

    def _keep_in_outbox(self, out: Outgoing) -> None:
        """Keep the rendered mail on its row (the dev outbox shows rows; no backend does)."""
        db.session.execute(
            update(Message)
            .where(Message.id == out.message_id)
            .values(subject=out.subject, html=out.html, text=out.text)
        )

    def _send(self, item: Claimed) -> Outgoing:
        """Send one message behind its in-flight marker (ecomapp/mail/inflight.py)."""
        build = lambda: self.outgoing(item)  # noqa: E731
        return inflight.hand_over(self.markers, item.marker, item.id, build, self.backend)[0]

    def close(self) -> None:
        """Release the backend's connection and the marker connection."""
        self.markers.close()
        self.backend.close()

    def deliver_each(self, claimed: list[Claimed]) -> None:
        """Send a claimed group in order and mark it once (the in-flight marker covers the rows
        handed over and not yet marked); stop on a lost server."""
        outcome, streak = Outcome(), 0
        for index, item in enumerate(claimed):
            try:
                out = self._send(item)
            except DeliveryUnknown as exc:
                outcome.uncertain.append((item.id, f"interrupted while sending: {exc}"))
            except RecipientRejected as exc:
                suppress(self.store, item.to, SuppressionReason.HARD_BOUNCE, item.id, str(exc))
                outcome.failed.append((item.id, str(exc), True))
            except PermanentError as exc:
                outcome.failed.append((item.id, str(exc), False))
            except TransientError as exc:
                streak += 1
                if streak >= 3:  # the server, not this address: hand the rest back, back off
                    outcome.unsent += [c.id for c in claimed[index:]]
                    mark(self.store, outcome, self.backend.name)
                    raise
                outcome.later.append((item.id, f"try later: {exc}"))
                continue
            except BaseException:
                outcome.uncertain.append((item.id, "unexpected error while sending"))
                outcome.unsent += [c.id for c in claimed[index + 1 :]]
                mark(self.store, outcome, self.backend.name)
                raise
            else:
                outcome.sent.append(item.id)
                if self.backend.name == "outbox":
                    self._keep_in_outbox(out)
            streak = 0
        mark(self.store, outcome, self.backend.name)
        if claimed and claimed[0].marker:
            inflight.finish(claimed[0].marker)


def resolve_stranded(send: CampaignSend) -> int:
    """Settle rows a killed worker left `sending` past the send timeout; never resend one."""
    timeout = timedelta(seconds=current_app.config["SETTINGS"].mail_send_timeout)
    store = db.session.get(Store, send.store_id)
    msgid = msgid_of(store.domain if store else "")
    return inflight.recover(send.id, utcnow() - timeout, msgid)


def open_rows(send: CampaignSend) -> tuple[int, datetime | None]:
    """Return how many rows are pending or sending, and the earliest retry time."""
    count, retry = db.session.execute(
        select(func.count(), func.min(Message.scheduled_for)).where(
            Message.campaign_send_id == send.id,
            Message.store_id == send.store_id,
            Message.status.in_((MessageStatus.PENDING.value, MessageStatus.SENDING.value)),
        )
    ).one()
    return int(count), as_utc(retry)


def run_send(send_id: int) -> None:
    """Send one campaign send in batches until done, paused, cancelled or out of time."""
    send = db.session.get(CampaignSend, send_id)
    if send is None or send.status != SendStatus.RUNNING.value:
        return
    store = db.session.get(Store, send.store_id)
    if store is None or not store.is_active:
        return
    settings = effective_settings(store)
    now = utcnow()
    resume_at = quiet_hours_end(store, now, settings.quiet_start_hour, settings.quiet_end_hour)
    if resume_at > now:
        _later(send, resume_at)
        return
    resolve_stranded(send)
    _work(send, store, settings)


def _work(send: CampaignSend, store: Store, settings: EffectiveSettings) -> None:
    deliverer = Deliverer(store, settings)
    deadline = time.monotonic() + JOB_SECONDS
    try:
        while time.monotonic() < deadline:
            db.session.refresh(send)
            if send.status != SendStatus.RUNNING.value:
                return
            claimed = claim(send, store.domain.split(":")[0] or "localhost", batch_size())
            if not claimed and not send.materialized:
                claimed = materialise_batch(send, settings)
            if claimed:
                deliverer.deliver(claimed)
            elif not send.materialized:
                continue
            else:
                _finish_or_wait(send)
                return
    finally:
        deliverer.close()
    enqueue_after_commit(run_send, send.id, store_id=send.store_id)
    db.session.commit()


def _finish_or_wait(send: CampaignSend) -> None:
    count, retry = open_rows(send)
    if count == 0 and send.phase == "test":
        _decide_or_wait(send)
    elif count == 0:
        db.session.execute(
            update(CampaignSend)
            .where(CampaignSend.id == send.id, CampaignSend.status == SendStatus.RUNNING.value)
            .values(status=SendStatus.DONE.value, finished_at=utcnow())
        )
        db.session.commit()
    elif retry is not None:
        _later(send, retry)


def _decide_or_wait(send: CampaignSend) -> None:
    """After an A/B sample and its wait, pick each version's winning subject; send the rest."""
    decide_at = as_utc(send.decide_at) or utcnow()
    if decide_at > utcnow():
        _later(send, decide_at)
        return
    campaign = db.session.get(Campaign, send.campaign_id)
    metric = (
        Message.clicked_at if campaign and campaign.ab_metric == "clicks" else Message.opened_at
    )
    rows = db.session.execute(
        select(Message.campaign_version_id, Message.subject, func.count(metric))
        .where(Message.store_id == send.store_id, Message.campaign_send_id == send.id)
        .group_by(Message.campaign_version_id, Message.subject)
        .order_by(func.count(metric).desc(), Message.subject)
    ).all()
    winners: dict[str, str] = {}
    for version_id, subject, _count in rows:
        winners.setdefault(str(version_id), subject)
    moved = db.session.execute(
        update(CampaignSend)
        .where(CampaignSend.id == send.id, CampaignSend.phase == "test")
        .values(phase="rest", winners=winners, cursor=0, materialized=False)
    )
    if affected(moved) == 1:
        enqueue_after_commit(run_send, send.id, store_id=send.store_id)
    db.session.commit()


def _later(send: CampaignSend, when: datetime) -> None:
    key = f"campaign-send:{send.id}:{int(when.timestamp())}"
    from ecomapp.models.work import DueWork

    if db.session.scalar(select(DueWork.id).where(DueWork.dedupe_key == key)) is None:
        enqueue_at(when, run_send, send.id, store_id=send.store_id, dedupe_key=key)
    db.session.commit()
