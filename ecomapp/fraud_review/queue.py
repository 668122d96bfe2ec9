"""Read the review queue: open verdicts with their orders and the customers' history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from ecomapp.extensions import db
from ecomapp.models import Order, RiskVerdict, Store

OPEN = ("flagged", "held")
DECIDED = ("approved", "fraud")
QUEUE_SIZE = 100


@dataclass
class QueueItem:
    """One verdict under review, its order, and what the customer did before."""

    verdict: RiskVerdict
    order: Order
    past_orders: int = 0
    addresses: list[str] = field(default_factory=list)
    past_verdicts: list[str] = field(default_factory=list)


def open_verdicts(store: Store) -> Select[Any]:
    """Return the query of the store's verdicts awaiting a decision, riskiest first."""
    return (
        select(RiskVerdict)
        .where(RiskVerdict.store_id == store.id, RiskVerdict.decision.in_(OPEN))
        .order_by(RiskVerdict.score.desc(), RiskVerdict.id.desc())
    )


def open_items(store: Store, verdicts: list[RiskVerdict] | None = None) -> list[QueueItem]:
    """Return queue items for these verdicts (default: the first QUEUE_SIZE open ones)."""
    if verdicts is None:
        verdicts = list(db.session.scalars(open_verdicts(store).limit(QUEUE_SIZE)))
    orders = db.session.scalars(
        select(Order)
        .where(Order.store_id == store.id, Order.id.in_([v.order_id for v in verdicts]))
        .options(selectinload(Order.addresses))
    )
    by_id = {order.id: order for order in orders}
    items = [QueueItem(v, by_id[v.order_id]) for v in verdicts if v.order_id in by_id]
    _histories(store, items)
    return items


def _histories(store: Store, items: list[QueueItem]) -> None:
    """Fill each item's customer history from two queries for the whole page (no N+1)."""
    customers = {i.order.customer_id for i in items if i.order.customer_id}
    emails = {i.order.email for i in items if i.order.email}
    if not (customers or emails):
        return
    related = db.session.scalars(
        select(Order)
        .where(
            Order.store_id == store.id,
            or_(Order.customer_id.in_(customers), Order.email.in_(emails)),
        )
        .options(selectinload(Order.addresses))
    ).all()
    decisions: dict[int, list[str]] = {}
    for order_id, decision in db.session.execute(
        select(RiskVerdict.order_id, RiskVerdict.decision).where(
            RiskVerdict.store_id == store.id, RiskVerdict.order_id.in_([o.id for o in related])
        )
    ):
        decisions.setdefault(order_id, []).append(decision)
    for item in items:
        _history(item, related, decisions)


def _history(item: QueueItem, related: Sequence[Order], decisions: dict[int, list[str]]) -> None:
    order = item.order
    earlier = [
        o
        for o in related
        if o.id != order.id
        and (
            (order.customer_id and o.customer_id == order.customer_id)
            or (order.email and o.email == order.email)
        )
    ]
    item.past_orders = len(earlier)
    places = {_label(a) for o in earlier for a in o.addresses if a.kind == "shipping"}
    item.addresses = sorted(p for p in places if p)
    item.past_verdicts = [d for o in earlier for d in decisions.get(o.id, [])]


def _label(address: Any) -> str:
    return ", ".join(p for p in (address.address1, address.zip, address.country_code) if p)


def decided_by_month(store: Store) -> list[tuple[str, int, int]]:
    """Return (month, confirmed fraud, approved) for the store's decided verdicts."""
    rows = db.session.execute(
        select(RiskVerdict.updated_at, RiskVerdict.decision).where(
            RiskVerdict.store_id == store.id, RiskVerdict.decision.in_(DECIDED)
        )
    ).all()
    counts = Counter((r.updated_at.strftime("%Y-%m"), r.decision) for r in rows)
    months = sorted({m for m, _ in counts})
    return [(m, counts[(m, "fraud")], counts[(m, "approved")]) for m in months]
