"""When an order event fires: one table read by live ingest and by backtests (pure).

Live ingest compares the order before and after a delivery; a backtest replays each order as
if it arrived once in its final state (`before` is None), so both follow the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PAID_STATUSES = frozenset({"paid", "partially_refunded", "refunded"})


@dataclass(frozen=True)
class OrderState:
    """The facts of an order that decide which events fire."""

    financial_status: str | None
    cancelled: bool
    fulfillment_status: str | None


Rule = Callable[[OrderState | None, OrderState], bool]


def _paid(state: OrderState | None) -> bool:
    return state is not None and state.financial_status in PAID_STATUSES


def _became(field: str, value: str) -> Rule:
    def rule(before: OrderState | None, after: OrderState) -> bool:
        was = getattr(before, field) if before is not None else None
        return getattr(after, field) == value and was != value

    return rule


# event type -> (does it fire for this transition, the order's column that dates it)
ORDER_EVENTS: dict[str, tuple[Rule, str]] = {
    "order.created": (lambda before, after: before is None, "placed_at"),
    "order.paid": (lambda before, after: _paid(after) and not _paid(before), "paid_at"),
    "order.cancelled": (
        lambda before, after: after.cancelled and not (before is not None and before.cancelled),
        "cancelled_at",
    ),
    "order.refunded": (_became("financial_status", "refunded"), "updated_at"),
    "order.fulfilled": (_became("fulfillment_status", "fulfilled"), "updated_at"),
    "order.updated": (lambda before, after: before is not None, "updated_at"),
}


def fired(before: OrderState | None, after: OrderState) -> list[str]:
    """Return the order event types a transition fires, in the table's order."""
    return [kind for kind, (rule, _) in ORDER_EVENTS.items() if rule(before, after)]


def fires(kind: str, before: OrderState | None, after: OrderState) -> bool:
    """Return whether one order event type fires for a transition."""
    return ORDER_EVENTS[kind][0](before, after)
