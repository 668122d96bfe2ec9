"""Tell the merchant about a risky order: an e-mail to the alert recipients, a signed POST."""

from __future__ import annotations

import json
from typing import Any

import requests

from ecomapp import outbound
from ecomapp.alert_recipients import alert_recipients
from ecomapp.automation.effects import StepContext
from ecomapp.insights.fraud import Verdict
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.mail.api import MailRequest, send_email


def alert_text(order: dict[str, Any], verdict: Verdict, decision: str) -> tuple[str, str]:
    """Return the alert's title and message: the order, its score and reasons, what was done."""
    name = order.get("name") or order.get("platform_id")
    title = f"Order {name} {decision}: fraud risk {verdict.level.value} ({verdict.score}/100)"
    return title, "Reasons: " + "; ".join(verdict.reasons) + ". Review it under Fraud review."


def email_alert(ctx: StepContext, title: str, message: str) -> list[str]:
    """Queue the alert to each alert recipient once (keyed by the step); return the addresses.

    A store without recipients gets none: the verdict, hold and flag still land.
    """
    recipients = alert_recipients(ctx.store)
    for address in recipients:
        send_email(
            ctx.store,
            MailRequest(
                to=address,
                template_key="merchant_alert",
                idempotency_key=f"{ctx.key}:fraud-alert:{address}",
                context={"title": title, "message": message},
                automation_id=ctx.automation_id,
                run_id=ctx.run_id,
            ),
        )
    return recipients


def webhook_alert(ctx: StepContext, url: str, payload: dict[str, Any]) -> int:
    """POST the signed alert (the same Idempotency-Key on every try); return the status."""
    from ecomapp.automation.actions import SIGNATURE_HEADER, sign, webhook_secret

    key = f"{ctx.key}:fraud-alert"
    body = json.dumps({"store": ctx.store.domain, **payload}, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(webhook_secret(ctx.store, ctx.signing_key), body),
        "Idempotency-Key": key,
        "X-Ecomapp-Idempotency-Key": key,
    }
    try:
        response = outbound.post(url, body, headers)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientError(f"POST {url} failed: {exc}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"POST {url} answered {response.status_code}")
    if response.status_code >= 300:
        raise PermanentError(f"POST {url} answered {response.status_code}")
    return response.status_code
