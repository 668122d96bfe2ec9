"""The Admin GraphQL client: pinned version, timeouts, retries on what may pass, never on 4xx."""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any

import httpx
from flask import current_app
from shopify_app import ShopifyApp

from ecomapp.jobs.retry import HTTP_MAX_WAIT_SECONDS, HTTP_RETRIES, PermanentError, TransientError
from ecomapp.models import Store
from ecomapp.platforms.shopify.domains import shop_name
from ecomapp.platforms.shopify.http import http_client

log = logging.getLogger(__name__)

MAX_TRIES = 1 + HTTP_RETRIES  # the job layer owns longer retries (ecomapp/jobs/retry.py)
BACKOFF_SECONDS = 0.5
MAX_WAIT_SECONDS = HTTP_MAX_WAIT_SECONDS


class ShopifyAPIError(PermanentError):
    """Shopify refused the request (4xx, GraphQL or user errors); retrying will not help."""


def shopify_app() -> ShopifyApp:
    """Return the shopifyapp helper configured with our client id and secrets."""
    settings = current_app.config["SETTINGS"]
    return ShopifyApp(
        settings.shopify_api_key,
        settings.shopify_api_secret,
        settings.shopify_old_api_secret or None,
    )


def throttle_wait(body: dict[str, Any]) -> float | None:
    """Return seconds until the cost bucket holds the query's cost, if THROTTLED."""
    errors = body.get("errors") or []
    if not any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
        return None
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or 0) - float(
        status.get("currentlyAvailable") or 0
    )
    rate = float(status.get("restoreRate") or 50) or 50.0
    return max(needed / rate, 0.0)


class AdminClient:
    """Send Admin GraphQL requests for one store."""

    def __init__(self, store: Store, client: httpx.Client | None = None) -> None:
        self.store = store
        self.client = client

    def request(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the `data` of a GraphQL request, retrying network errors, 5xx and throttling."""
        from ecomapp.platforms.shopify.tokens import access_token_for

        token = access_token_for(self.store)
        wait = 0.0
        for attempt in range(1, MAX_TRIES + 1):
            time.sleep(wait)
            outcome = self._once(query, variables, token)
            if isinstance(outcome, dict):
                return outcome
            if attempt == MAX_TRIES or (outcome[0] or 0) > MAX_WAIT_SECONDS:
                raise TransientError(f"Shopify still failing: {outcome[1]}", retry_after=outcome[0])
            wait = outcome[0] or self._backoff(attempt)
            log.info("shopify %s: %s, retry in %.2fs", self.store.domain, outcome[1], wait)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        base = float(current_app.config.get("SHOPIFY_BACKOFF_SECONDS", BACKOFF_SECONDS))
        return min(base * 2 ** (attempt - 1) * random.uniform(0.8, 1.2), MAX_WAIT_SECONDS)

    def _once(
        self, query: str, variables: dict[str, Any] | None, token: str
    ) -> dict[str, Any] | tuple[float | None, str]:
        """Return data, or (wait, reason) for a failure worth retrying; raise on 4xx."""
        settings = current_app.config["SETTINGS"]
        client = self.client or http_client()
        try:
            result = shopify_app().admin_graphql_request(
                query,
                shop=shop_name(self.store.domain),
                access_token=token,
                api_version=settings.shopify_api_version,
                variables=variables,
                max_retries=0,
                http_client=client,
            )
        finally:
            if self.client is None:
                client.close()
        if result.ok:
            return result.data or {}
        status = result.response.status
        if status == 0:
            return None, "network error"
        if status == 429:
            return _retry_after(result.http_logs), "HTTP 429"
        if status >= 500:
            return None, f"HTTP {status}"
        if status == 200:
            body = _json(result.response.body)
            wait = throttle_wait(body)
            if wait is not None:
                return min(wait, MAX_WAIT_SECONDS), "THROTTLED"
            raise ShopifyAPIError(f"GraphQL errors: {_messages(body)}")
        raise ShopifyAPIError(f"Shopify answered HTTP {status}: {result.response.body[:200]}")


def _retry_after(logs: list[Any]) -> float | None:
    headers = {k.lower(): v for k, v in (logs[-1].res.headers if logs else {}).items()}
    try:
        return float(headers["retry-after"])
    except (KeyError, ValueError):
        return None


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _messages(body: dict[str, Any]) -> str:
    return "; ".join(str(e.get("message")) for e in body.get("errors") or []) or "unknown"


def user_errors(payload: dict[str, Any] | None, operation: str) -> None:
    """Raise ShopifyAPIError when a mutation payload carries userErrors."""
    errors = (payload or {}).get("userErrors") or []
    if errors:
        text = "; ".join(f"{'.'.join(e.get('field') or [])}: {e.get('message')}" for e in errors)
        raise ShopifyAPIError(f"{operation} refused: {text}")
