"""The screen_order_fraud action: score, keep the verdict, flag and hold on the platform."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ecomapp.automation.effects import StepContext
from ecomapp.automation.fraud_alerts import alert_text, email_alert, webhook_alert
from ecomapp.extensions import db
from ecomapp.insights.fraud import InvalidFraudSettings, Verdict, parse_settings, score_order
from ecomapp.insights.fraud.mirror_facts import load_order_facts
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.models import Order, RiskVerdict, Store
from ecomapp.platforms.base import RiskAssessment
from ecomapp.platforms.registry import get_adapter

LEVELS = ("low", "medium", "high")
MAX_FACTS = 20  # Shopify takes up to 20 facts per assessment
SETTINGS_KEY = "fraud"  # the store's merchant-edited fraud settings in Store.settings


def _at_least(level: str, floor: str | None) -> bool:
    return floor is not None and LEVELS.index(level) >= LEVELS.index(floor)


def store_fraud_settings(store: Store) -> Any:
    """Return the store's validated fraud settings (defaults when it has none)."""
    try:
        return parse_settings((store.settings or {}).get(SETTINGS_KEY))
    except InvalidFraudSettings as exc:
        raise PermanentError(f"fraud settings refused: {exc}") from exc


def record_verdict(store: Store, order_id: int, verdict: Verdict, decision: str) -> RiskVerdict:
    """Insert or update the order's verdict row."""
    row = db.session.scalar(
        select(RiskVerdict).where(
            RiskVerdict.store_id == store.id, RiskVerdict.order_id == order_id
        )
    )
    if row is None:
        row = RiskVerdict(store_id=store.id, order_id=order_id)
        db.session.add(row)
    row.score, row.level, row.reasons = verdict.score, verdict.level.value, list(verdict.reasons)
    row.decision = decision
    db.session.flush()
    return row


def score_stored_order(store: Store, order_id: int) -> Verdict:
    """Score one mirrored order with the store's settings (the action's path, and the bench's)."""
    facts = load_order_facts(store.id, [order_id]).get(order_id)
    if facts is None:
        raise LookupError("the order is no longer in the mirror")
    return score_order(facts, store_fraud_settings(store))


def screen_order_fraud(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Score the event's order; record it; flag, tag and hold it at the levels the step names."""
    order = ctx.obj("order")
    verdict = score_stored_order(ctx.store, int(order["id"]))
    level, pid = verdict.level.value, order["platform_id"]
    flag = _at_least(level, params.get("flag_at") or "medium")
    hold = _at_least(level, params.get("hold_at"))
    decision = "held" if hold else "flagged" if flag else "passed"
    record_verdict(ctx.store, int(order["id"]), verdict, decision)
    adapter = get_adapter(ctx.store.platform)
    # Repeatable writes first (tags, holds of open fulfillment orders, keyed alerts), the
    # assessment last: Shopify does not dedupe assessments, so a retry must not repeat it.
    if flag:
        adapter.add_tags(ctx.store, "order", pid, [params.get("tag") or f"fraud-risk-{level}"])
    if hold:
        reason = f"fraud risk {verdict.score}/100: " + "; ".join(verdict.reasons[:3])
        adapter.hold_fulfillment(ctx.store, pid, reason)
    alerted = _alert(ctx, params, order, verdict, decision)
    if flag:
        shown = verdict.reasons[:MAX_FACTS]
        adapter.flag_order_risk(ctx.store, pid, RiskAssessment(level=level, facts=shown))
    out = {"order": pid, "score": verdict.score, "level": level, "decision": decision}
    return out | {"reasons": verdict.reasons} | alerted


def _alert(
    ctx: StepContext, params: dict[str, Any], order: dict[str, Any], verdict: Verdict, decision: str
) -> dict[str, Any]:
    """E-mail (and POST when the step names a URL) the alert from `alert_at`; both repeatable."""
    if not _at_least(verdict.level.value, params.get("alert_at") or None):
        return {}
    title, message = alert_text(order, verdict, decision)
    out: dict[str, Any] = {"alerted": email_alert(ctx, title, message)}
    if params.get("alert_url"):
        payload = {"title": title, "message": message, "order": order.get("platform_id")}
        payload |= {"score": verdict.score, "level": verdict.level.value, "decision": decision}
        out["alert_status"] = webhook_alert(
            ctx, params["alert_url"], payload | {"reasons": verdict.reasons}
        )
    return out


def screen_stored_orders(
    store: Store, order_ids: list[int], flag_at: str = "medium", hold_at: str = "high"
) -> list[RiskVerdict]:
    """Screen orders already in the mirror (the demo seed): verdict, flag and hold each."""
    settings = store_fraud_settings(store)
    adapter = get_adapter(store.platform)
    orders = {
        o.id: o
        for o in db.session.scalars(
            select(Order).where(Order.store_id == store.id, Order.id.in_(order_ids))
        )
    }
    verdicts = []
    for order_id, facts in load_order_facts(store.id, order_ids).items():
        verdict = score_order(facts, settings)
        level, pid = verdict.level.value, orders[order_id].platform_id
        flag, hold = _at_least(level, flag_at), _at_least(level, hold_at)
        decision = "held" if hold else "flagged" if flag else "passed"
        verdicts.append(record_verdict(store, order_id, verdict, decision))
        if hold:
            adapter.hold_fulfillment(store, pid, f"fraud risk {verdict.score}/100")
        if flag:
            adapter.flag_order_risk(store, pid, RiskAssessment(level, verdict.reasons[:MAX_FACTS]))
    return verdicts


def take_platform_risk(store: Store, order_platform_id: str, level: str) -> None:
    """Keep the platform's own verdict on the order; re-score a screened order with it."""
    order = db.session.scalar(
        select(Order).where(Order.store_id == store.id, Order.platform_id == order_platform_id)
    )
    if order is None:
        raise TransientError(f"order {order_platform_id} is not mirrored yet")
    order.platform_risk = level
    row = db.session.scalar(
        select(RiskVerdict).where(
            RiskVerdict.store_id == store.id, RiskVerdict.order_id == order.id
        )
    )
    if row is None:
        return  # never screened: the next screening reads it
    db.session.flush()
    verdict = score_stored_order(store, order.id)
    decision = "flagged" if row.decision == "passed" and verdict.level.value != "low" else None
    record_verdict(store, order.id, verdict, decision or row.decision)


def take_chargeback(store: Store, order_platform_id: str) -> None:
    """Keep a chargeback for fraud as the order's fraud evidence (the backtest's label)."""
    order = db.session.scalar(
        select(Order).where(Order.store_id == store.id, Order.platform_id == order_platform_id)
    )
    if order is not None:  # an order from before the install is not mirrored: nothing to label
        order.fraud_evidence = "chargeback"
