"""E-mail figures per automation and per day, each scoped to one store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, select, type_coerce

from ecomapp.admin.date_keys import day_key
from ecomapp.extensions import db
from ecomapp.models import Attribution, Automation, Message, MessageStatus, Store, utcnow

SENT = (MessageStatus.SENT.value, MessageStatus.UNCERTAIN.value)


@dataclass
class AutomationStats:
    """What one automation's e-mail did."""

    automation_id: int | None
    name: str
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    recipients: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0.00")

    @property
    def revenue_per_recipient(self) -> Decimal:
        """Return revenue divided by distinct recipients (0 when none)."""
        if not self.recipients:
            return Decimal("0.00")
        return (self.revenue / self.recipients).quantize(Decimal("0.01"))


def _automation_names(store: Store, ids: list[int]) -> dict[int, str]:
    """Return the names of this store's automations among ids."""
    rows = db.session.execute(
        select(Automation.id, Automation.name).where(
            Automation.store_id == store.id, Automation.id.in_(ids)
        )
    )
    return {int(i): str(n) for i, n in rows}


def _message_counts(store: Store, since: datetime) -> dict[int | None, AutomationStats]:
    sent = Message.status.in_(SENT)
    rows = db.session.execute(
        select(
            Message.automation_id,
            func.count().filter(sent),
            func.count().filter(sent & Message.bounced_at.is_(None)),
            func.count().filter(Message.opened_at.is_not(None)),
            func.count().filter(Message.clicked_at.is_not(None)),
            func.count(func.distinct(case((sent, func.lower(Message.to_email))))),
        )
        .where(Message.store_id == store.id, Message.created_at >= since)
        .group_by(Message.automation_id)
    )
    out: dict[int | None, AutomationStats] = {}
    for aid, n_sent, delivered, opened, clicked, recipients in rows:
        out[aid] = AutomationStats(aid, "", n_sent, delivered, opened, clicked, recipients)
    return out


def automation_stats(store: Store, days: int = 30) -> list[AutomationStats]:
    """Return sent, delivered, opened, clicked, orders and revenue per automation."""
    since = utcnow() - timedelta(days=days)
    stats = _message_counts(store, since)
    cents = type_coerce(Attribution.revenue, BigInteger)
    rows = db.session.execute(
        select(Attribution.automation_id, func.count(), func.coalesce(func.sum(cents), 0))
        .where(Attribution.store_id == store.id, Attribution.placed_at >= since)
        .group_by(Attribution.automation_id)
    )
    for aid, orders, revenue in rows:
        row = stats.setdefault(aid, AutomationStats(aid, ""))
        row.orders, row.revenue = int(orders), Decimal(int(revenue)) / 100
    names = _automation_names(store, [a for a in stats if a is not None])
    for aid, row in stats.items():
        row.name = names.get(aid, "") if aid is not None else "Not from an automation"
    return sorted(stats.values(), key=lambda s: (-s.revenue, -s.sent))


def daily_series(store: Store, days: int = 30) -> list[tuple[date, int, Decimal]]:
    """Return (day, messages sent, attributed revenue) for each of the last `days` days."""
    today = utcnow().date()
    start = today - timedelta(days=days - 1)
    since = datetime.combine(start, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
    series = {start + timedelta(days=i): [0, 0] for i in range(days)}
    sent_day = day_key(Message.sent_at)
    for key, count in db.session.execute(
        select(sent_day, func.count())
        .where(Message.store_id == store.id, Message.status.in_(SENT), Message.sent_at >= since)
        .group_by(sent_day)
    ):
        series[date.fromisoformat(key)][0] += int(count)
    placed_day = day_key(Attribution.placed_at)
    cents = func.coalesce(func.sum(type_coerce(Attribution.revenue, BigInteger)), 0)
    for key, value in db.session.execute(
        select(placed_day, cents)
        .where(Attribution.store_id == store.id, Attribution.placed_at >= since)
        .group_by(placed_day)
    ):
        if date.fromisoformat(key) in series:
            series[date.fromisoformat(key)][1] += int(value or 0)
    return [(d, v[0], Decimal(v[1]) / 100) for d, v in sorted(series.items())]
