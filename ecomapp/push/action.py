"""The builder action "Send a push notification" to the customer's subscribed browsers."""

from __future__ import annotations

from typing import Any

from ecomapp.automation.conditions import OBJECTS
from ecomapp.automation.effects import StepContext
from ecomapp.mail.api import render
from ecomapp.push.send import PushRequest, queue_push
from ecomapp.push.subscriptions import customer_subscriptions


def send_push(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Queue one push per live subscription of the event's customer, keyed by the step."""
    customer = ctx.snap.get(OBJECTS, {}).get("customer")
    if not customer:
        return {"skipped": "no customer (a guest): nobody to push to"}  # e-mail still goes
    subs = customer_subscriptions(ctx.store, int(customer["id"]), customer.get("platform_id"))
    if not subs:
        return {"skipped": "the customer has no push subscription"}  # e-mail still goes
    context = dict(ctx.snap.get(OBJECTS, {})) | {"discount_code": ctx.outputs.get("discount_code")}
    sent = [
        queue_push(
            ctx.store,
            sub,
            PushRequest(
                title=render(params["title"], context),
                body=render(params.get("body") or "", context),
                idempotency_key=f"{ctx.key}:push:{sub.id}",
                url=render(params.get("url") or "", context),
                icon=params.get("icon") or "",
                kind=params.get("kind") or "marketing",
                customer_id=int(customer["id"]),
                automation_id=ctx.automation_id,
                run_id=ctx.run_id,
            ),
        )
        for sub in subs
    ]
    return {"push_messages": [m.id for m in sent], "title": sent[0].title}
