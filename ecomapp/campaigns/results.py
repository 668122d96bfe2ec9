"""Results per campaign version, and the progress of a send, in a few grouped queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import BigInteger, ColumnElement, case, func, select, type_coerce

from ecomapp.extensions import db
from ecomapp.models import (
    Attribution,
    CampaignSend,
    Message,
    MessageStatus,
    Suppression,
    SuppressionReason,
)


@dataclass
class VersionResult:
    """One version's figures."""

    version_id: int | None
    sent: int = 0
    delivered: int = 0
    bounced: int = 0
    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0")
    skipped: dict[str, int] = field(default_factory=dict)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def version_results(store_id: int, campaign_id: int) -> dict[int | None, VersionResult]:
    """Return each version's sent, delivered, bounced, opened, clicked, unsubscribed, revenue."""
    sends = select(CampaignSend.id).where(
        CampaignSend.store_id == store_id, CampaignSend.campaign_id == campaign_id
    )
    mine = (Message.store_id == store_id) & Message.campaign_send_id.in_(sends)
    sent = Message.status.in_((MessageStatus.SENT.value, MessageStatus.UNCERTAIN.value))
    rows = db.session.execute(
        select(
            Message.campaign_version_id,
            _count(sent),
            _count(sent & Message.bounced_at.is_(None)),
            _count(Message.bounced_at.is_not(None)),
            _count(Message.opened_at.is_not(None)),
            _count(Message.clicked_at.is_not(None)),
        )
        .where(mine)
        .group_by(Message.campaign_version_id)
    ).all()
    results = {
        r[0]: VersionResult(r[0], *(int(x or 0) for x in r[1:6]))  # type: ignore[arg-type]
        for r in rows
    }
    for vid, reason, count in db.session.execute(
        select(Message.campaign_version_id, Message.error, func.count())
        .where(mine, Message.status == "suppressed")
        .group_by(Message.campaign_version_id, Message.error)
    ).all():
        results.setdefault(vid, VersionResult(vid)).skipped[reason or "skipped"] = int(count)
    for vid, count in db.session.execute(
        select(Message.campaign_version_id, func.count(func.distinct(Suppression.id)))
        .join(Suppression, Suppression.message_id == Message.id)
        .where(mine, Suppression.reason == SuppressionReason.UNSUBSCRIBE.value)
        .group_by(Message.campaign_version_id)
    ).all():
        results.setdefault(vid, VersionResult(vid)).unsubscribed = int(count)
    cents = type_coerce(Attribution.revenue, BigInteger)
    for vid, orders, revenue in db.session.execute(
        select(Message.campaign_version_id, func.count(Attribution.id), func.sum(cents))
        .join(Attribution, Attribution.message_id == Message.id)
        .where(mine, Attribution.store_id == store_id)
        .group_by(Message.campaign_version_id)
    ).all():
        result = results.setdefault(vid, VersionResult(vid))
        result.orders, result.revenue = int(orders), Decimal(int(revenue or 0)) / 100
    return results


@dataclass(frozen=True)
class Progress:
    """How far a send is: rows by status against the audience size."""

    total: int
    counts: dict[str, int]

    @property
    def done(self) -> int:
        """Return how many recipients are settled (sent, skipped, failed or uncertain)."""
        open_ = ("pending", "sending")
        return sum(n for status, n in self.counts.items() if status not in open_)

    @property
    def percent(self) -> int:
        """Return the share settled, 0 to 100."""
        return min(100, round(100 * self.done / self.total)) if self.total else 100


def progress(send: CampaignSend) -> Progress:
    """Return a send's progress."""
    counts = dict(
        db.session.execute(
            select(Message.status, func.count())
            .where(Message.store_id == send.store_id, Message.campaign_send_id == send.id)
            .group_by(Message.status)
        ).all()
    )
    return Progress(send.total, {k: int(v) for k, v in counts.items()})
