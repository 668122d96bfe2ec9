"""The `send_recommendations` action: mail an order's recommendations, or skip with a reason."""

from __future__ import annotations

from typing import Any

from ecomapp.automation.conditions import OBJECTS
from ecomapp.automation.effects import StepContext
from ecomapp.extensions import db
from ecomapp.jobs.retry import PermanentError
from ecomapp.mail.api import MailRequest, send_email
from ecomapp.models import Order
from ecomapp.recommendations.picks import for_order

DEFAULT_COUNT, MIN_COUNT = 4, 2
TEMPLATE = "recommendations"


def send_recommendations(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Mail the order's customer a grid of its recommendations; skip when too few are good."""
    customer, snapped = ctx.obj("customer"), ctx.obj("order")
    if not customer.get("email"):
        raise PermanentError("the customer has no e-mail address")
    order = db.session.get(Order, int(snapped["id"]))
    if order is None or order.store_id != ctx.store.id:
        raise PermanentError("the order is no longer in the mirror")
    count = int(params.get("count") or DEFAULT_COUNT)
    picks = for_order(ctx.store, order, count)
    wanted = min(MIN_COUNT, count)
    if len(picks) < wanted:
        reason = (
            f"skipped: {len(picks)} recommendation(s) in stock, published and not bought yet"
            f" for order {order.name}; at least {wanted} needed"
        )
        return {"skipped": reason, "recommendations": [p.id for p in picks]}
    objects = dict(ctx.snap.get(OBJECTS, {}))
    context = objects | {
        "discount_code": ctx.outputs.get("discount_code"),
        "order_id": order.id,
        "recommendation_ids": [p.id for p in picks],
    }
    message = send_email(
        ctx.store,
        MailRequest(
            to=customer["email"],
            template_key=params.get("template") or TEMPLATE,
            idempotency_key=ctx.key,
            context=context,
            kind=params.get("kind") or "marketing",
            customer_id=customer["id"],
            automation_id=ctx.automation_id,
            run_id=ctx.run_id,
        ),
    )
    return {
        "message_id": message.id,
        "to": message.to_email,
        "status": message.status,
        "recommendations": [p.id for p in picks],
    }
