"""Effects of action steps: live through the platform adapter and the mailer, once per key.

The handlers here are declared as actions in `ecomapp.automation.registry`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ecomapp import outbound
from ecomapp.alert_recipients import alert_recipients
from ecomapp.automation.conditions import OBJECTS
from ecomapp.automation.effects import StepContext, discount_code, require_target
from ecomapp.extensions import db
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.mail.api import MailRequest, render, send_email
from ecomapp.models import EffectLedger, Store
from ecomapp.platforms.base import DiscountSpec, RiskAssessment, UnsupportedOperation
from ecomapp.platforms.registry import get_adapter

SIGNATURE_HEADER = "X-Ecomapp-Signature"


class LiveEffects:
    """Apply effects for real, recording each in the ledger so it happens once."""

    def apply(self, ctx: StepContext, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """Apply an action unless its key is already in the ledger (a guest's: NoTarget)."""
        require_target(ctx, action)
        try:
            with db.session.begin_nested():
                entry = EffectLedger(store_id=ctx.store.id, key=ctx.key, run_id=ctx.run_id)
                entry.action = action
                db.session.add(entry)
                db.session.flush()  # the unique key claims the effect before it happens
                entry.result = _handler(action)(ctx, params)
        except IntegrityError:
            return self._applied(ctx)
        except (UnsupportedOperation, LookupError) as exc:
            raise PermanentError(str(exc)) from exc
        return entry.result

    def _applied(self, ctx: StepContext) -> dict[str, Any]:
        done = db.session.scalar(
            select(EffectLedger).where(
                EffectLedger.store_id == ctx.store.id, EffectLedger.key == ctx.key
            )
        )
        return (done.result if done else {}) | {"already_applied": True}


def _handler(action: str) -> Callable[[StepContext, dict[str, Any]], dict[str, Any]]:
    from ecomapp.automation.registry import ACTIONS  # declares its actions with ours

    return ACTIONS[action].handler


def _adapter(ctx: StepContext) -> Any:
    return get_adapter(ctx.store.platform)


def tags(resource: str, add: bool) -> Callable[[StepContext, dict[str, Any]], dict[str, Any]]:
    """Return the handler adding (or removing) tags on the snapshot's customer or order."""

    def run(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
        target = ctx.obj(resource)
        method = _adapter(ctx).add_tags if add else _adapter(ctx).remove_tags
        method(ctx.store, resource, target["platform_id"], params["tags"])
        return {resource: target["platform_id"], "tags": params["tags"]}

    return run


def template_context(ctx: StepContext) -> dict[str, Any]:
    """Return what templates see: the snapshot's objects and earlier steps' outputs."""
    objects = {k: v for k, v in ctx.snap.get(OBJECTS, {}).items()}
    return objects | {"discount_code": ctx.outputs.get("discount_code")}


def note(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Add a rendered note to the order."""
    order = ctx.obj("order")
    note = render(params["note"], template_context(ctx))
    _adapter(ctx).add_order_note(ctx.store, order["platform_id"], note, key=ctx.key)
    return {"order": order["platform_id"], "note": note}


def status(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Set the order's status."""
    order = ctx.obj("order")
    _adapter(ctx).set_order_status(ctx.store, order["platform_id"], params["status"])
    return {"order": order["platform_id"], "status": params["status"]}


def hold(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Hold the order's fulfillment, with a reason."""
    order = ctx.obj("order")
    _adapter(ctx).hold_fulfillment(ctx.store, order["platform_id"], params["reason"])
    return {"order": order["platform_id"], "held": params["reason"]}


def risk(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Record a risk level and its reasons on the order."""
    order = ctx.obj("order")
    risk = RiskAssessment(level=params["level"], facts=list(params["reasons"]))
    _adapter(ctx).flag_order_risk(ctx.store, order["platform_id"], risk)
    return {"order": order["platform_id"], "risk": params["level"], "reasons": risk.facts}


def group(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Put the customer in a group (a tag), leaving the listed others."""
    customer = ctx.obj("customer")
    remove = [t for t in params.get("replace", []) if t != params["group"]]
    if remove:
        _adapter(ctx).remove_tags(ctx.store, "customer", customer["platform_id"], remove)
    _adapter(ctx).add_tags(ctx.store, "customer", customer["platform_id"], [params["group"]])
    return {"customer": customer["platform_id"], "group": params["group"], "removed": remove}


def spend_group(ranges: list[dict[str, Any]], spent: Any) -> str | None:
    """Return the group whose [min, max) range holds the spend, if any."""
    value = Decimal(str(spent or 0))
    for item in ranges:
        low = Decimal(str(item.get("min") or 0))
        high = None if item.get("max") is None else Decimal(str(item["max"]))
        if value >= low and (high is None or value < high):
            return str(item["group"])
    return None


def group_by_spend(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Put the customer in the group whose spend range holds their lifetime spend."""
    customer = ctx.obj("customer")
    group = spend_group(params["ranges"], ctx.snap.get("customer.total_spent"))
    others = [str(r["group"]) for r in params["ranges"] if str(r["group"]) != group]
    adapter = _adapter(ctx)
    held = [t for t in others if t in ctx.snap.get("customer.tags", [])]
    if held:
        adapter.remove_tags(ctx.store, "customer", customer["platform_id"], held)
    if group:
        adapter.add_tags(ctx.store, "customer", customer["platform_id"], [group])
    return {"customer": customer["platform_id"], "group": group, "removed": held}


def publish(published: bool) -> Callable[[StepContext, dict[str, Any]], dict[str, Any]]:
    """Return the handler publishing (or unpublishing) the product."""

    def run(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
        product = ctx.obj("product")
        _adapter(ctx).set_product_published(ctx.store, product["platform_id"], published)
        return {"product": product["platform_id"], "published": published}

    return run


def discount(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Create a discount code for the customer; later steps see it."""
    customer = ctx.obj("customer")
    spec = DiscountSpec(
        code=discount_code(ctx, params),
        percent_off=Decimal(str(params["percent_off"])) if params.get("percent_off") else None,
        amount_off=Decimal(str(params["amount_off"])) if params.get("amount_off") else None,
        expires_in_days=int(params.get("expires_in_days") or 30),
        customer_email=customer.get("email"),
    )
    platform_id = _adapter(ctx).create_discount_code(ctx.store, spec)
    ctx.outputs["discount_code"] = spec.code
    return {"code": spec.code, "platform_id": platform_id}


def email(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Send the customer an e-mail from a template, once per key."""
    customer = ctx.obj("customer")
    if not customer.get("email"):
        raise PermanentError("the customer has no e-mail address")
    message = send_email(
        ctx.store,
        MailRequest(
            to=customer["email"],
            template_key=params["template"],
            idempotency_key=ctx.key,
            context=template_context(ctx),
            kind=params.get("kind") or "transactional",
            customer_id=customer["id"],
            automation_id=ctx.automation_id,
            run_id=ctx.run_id,
        ),
    )
    return {"message_id": message.id, "to": message.to_email, "status": message.status}


SECRET_GENERATION = "webhook_secret_generation"  # in Store.settings: how often it was rotated


def webhook_secret(store: Store, signing_key: bytes) -> str:
    """Return the store's secret for signed merchant webhooks (derived, never stored).

    Rotating (Settings) bumps the store's generation; generation 0 is the original secret.
    """
    message = f"ecomapp-automation-webhook:{store.id}:{store.domain}"
    generation = int((store.settings or {}).get(SECRET_GENERATION) or 0)
    if generation:
        message += f":{generation}"
    return hmac.new(signing_key, message.encode(), hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes) -> str:
    """Return the signature header value of a raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def notify(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Tell the merchant by e-mail to the alert recipients or by a signed POST."""
    context = template_context(ctx)
    title = render(params["title"], context)
    message = render(params.get("message") or "", context)
    if params["channel"] == "webhook":
        return _post(ctx, params["url"], title, message)
    recipients = alert_recipients(ctx.store)
    if not recipients:
        raise PermanentError("the store has no alert recipients (Settings) nor e-mail address")
    sent = [
        send_email(
            ctx.store,
            MailRequest(
                to=address,
                template_key="merchant_alert",
                idempotency_key=ctx.key if n == 0 else f"{ctx.key}:to:{address}",
                context={"title": title, "message": message} | context,
                automation_id=ctx.automation_id,
                run_id=ctx.run_id,
            ),
        )
        for n, address in enumerate(recipients)
    ]
    to = ", ".join(m.to_email for m in sent)
    return {"message_id": sent[0].id, "to": to, "title": title}


def _post(ctx: StepContext, url: str, title: str, message: str) -> dict[str, Any]:
    payload = {
        "store": ctx.store.domain,
        "automation_id": ctx.automation_id,
        "run_id": ctx.run_id,
        "event": ctx.snap.get("event.type"),
        "title": title,
        "message": message,
        "objects": {k: v for k, v in ctx.snap.get(OBJECTS, {}).items() if k != "event"},
    }
    body = json.dumps(payload, sort_keys=True, default=str).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(webhook_secret(ctx.store, ctx.signing_key), body),
        "Idempotency-Key": ctx.key,  # the same on every try: the receiver drops repeats
        "X-Ecomapp-Idempotency-Key": ctx.key,
    }
    try:
        response = outbound.post(url, body, headers)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientError(f"POST {url} failed: {exc}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = response.headers.get("Retry-After")
        delay = float(retry_after) if retry_after and retry_after.isdigit() else None
        raise TransientError(f"POST {url} answered {response.status_code}", retry_after=delay)
    if response.status_code >= 300:
        raise PermanentError(f"POST {url} answered {response.status_code}")
    return {"url": url, "status": response.status_code, "title": title}
