"""The builder action "Notify waiting shoppers" (back-in-stock), as the engine calls it."""

from __future__ import annotations

from typing import Any

from ecomapp.automation.conditions import OBJECTS
from ecomapp.automation.effects import StepContext
from ecomapp.inventory.back_in_stock import TEMPLATE
from ecomapp.inventory.back_in_stock_notify import PUSH_BODY, PUSH_TITLE, Notice, notify_restock


def restocked_units(ctx: StepContext) -> int:
    """Return the units that came back: the event's new stock, else the variant's."""
    event = ctx.snap.get(OBJECTS, {}).get("event") or {}
    data = event.get("data") or {}
    available = data.get("available", ctx.obj("variant").get("inventory_quantity"))
    return max(int(available or 0), 0)


def notify_back_in_stock(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Notify as many waiting shoppers as units came back, oldest request first."""
    variant = ctx.obj("variant")
    notice = Notice(
        template=params.get("template") or TEMPLATE,
        push_title=params.get("push_title") or PUSH_TITLE,
        push_body=params.get("push_body") or PUSH_BODY,
        automation_id=ctx.automation_id,
        run_id=ctx.run_id,
    )
    return notify_restock(ctx.store, int(variant["id"]), restocked_units(ctx), notice)
