"""One hardened wc/v3 client: timeouts, retry with backoff, paging, batches of 100."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import requests
from woocommerce import API
from woocommerce.oauth import OAuth

from ecomapp.jobs.retry import HTTP_MAX_WAIT_SECONDS, HTTP_RETRIES, PermanentError, TransientError

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 20
MAX_TRIES = 1 + HTTP_RETRIES  # the job layer owns longer retries (ecomapp/jobs/retry.py)
BACKOFF_SECONDS = 1.0
PER_PAGE = 100
BATCH_SIZE = 100
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_INLINE_WAIT = HTTP_MAX_WAIT_SECONDS  # a longer Retry-After goes to the job layer


class WooCommerceError(PermanentError):
    """The store refused a request (4xx); retrying will not help."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


class WooClient:
    """A wc/v3 client for one store; every call has a timeout and bounded retries."""

    def __init__(
        self,
        url: str,
        consumer_key: str,
        consumer_secret: str,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = BACKOFF_SECONDS,
    ) -> None:
        self.api = API(
            url=url,
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            version="wc/v3",
            timeout=TIMEOUT_SECONDS,
            user_agent="ecomapp",
        )
        self.sleep = sleep
        self.backoff = backoff

    def request(self, method: str, endpoint: str, data: Any = None, **params: Any) -> Any:
        """Send one request, retrying network errors, 5xx and 429; return the JSON body."""
        return self._send(method, endpoint, data, params).json()

    def _send(
        self, method: str, endpoint: str, data: Any, params: dict[str, Any]
    ) -> requests.Response:
        for attempt in range(1, MAX_TRIES + 1):
            try:
                response = self._call(method, endpoint, data, params)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == MAX_TRIES:
                    raise TransientError(f"{method} {endpoint}: {exc}") from exc
                self._wait(attempt, None)
                continue
            if response.status_code in RETRY_STATUSES:
                wait = _retry_after(response)
                if attempt == MAX_TRIES or (wait or 0) > MAX_INLINE_WAIT:
                    raise TransientError(
                        f"{method} {endpoint}: HTTP {response.status_code}",
                        retry_after=wait,
                    )
                self._wait(attempt, wait)
                continue
            if response.is_redirect:  # never followed: it could lead to an internal address
                where = response.headers.get("Location", "?")
                raise WooCommerceError(
                    f"{method} {endpoint}: HTTP {response.status_code} redirect to {where} not "
                    "followed (has the store moved? reconnect it at its new address)",
                    response.status_code,
                )
            if response.status_code >= 400:
                raise WooCommerceError(
                    f"{method} {endpoint}: HTTP {response.status_code} {_message(response)}",
                    response.status_code,
                )
            return response
        raise AssertionError("unreachable")

    def _call(
        self, method: str, endpoint: str, data: Any, params: dict[str, Any]
    ) -> requests.Response:
        if not self.api.is_ssl:
            return self._call_plain_http(method, endpoint, data, params)
        kwargs: dict[str, Any] = {"params": dict(params), "allow_redirects": False}
        if method in ("POST", "PUT"):
            return getattr(self.api, method.lower())(endpoint, data, **kwargs)
        return getattr(self.api, method.lower())(endpoint, **kwargs)

    def _call_plain_http(
        self, method: str, endpoint: str, data: Any, params: dict[str, Any]
    ) -> requests.Response:
        """Sign with the package's OAuth 1.0a; its API would repeat the query after signing."""
        base = f"{self.api.url.rstrip('/')}/wp-json/{self.api.version}/{endpoint}"
        query = f"?{urlencode(params)}" if params else ""
        signer = OAuth(
            base + query,
            self.api.consumer_key,
            self.api.consumer_secret,
            version=self.api.version,
            method=method,
        )
        headers = {"user-agent": self.api.user_agent, "accept": "application/json"}
        body = None
        if data is not None:
            body = json.dumps(data, ensure_ascii=False).encode()
            headers["content-type"] = "application/json;charset=utf-8"
        return requests.request(
            method,
            signer.get_oauth_url(),
            data=body,
            headers=headers,
            timeout=self.api.timeout,
            allow_redirects=False,
        )

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        delay = self.backoff * 2 ** (attempt - 1)
        self.sleep(max(delay, retry_after or 0.0))

    def site_index(self) -> dict[str, Any]:
        """Return WordPress's public site index (GET /wp-json/: name, time zone, gmt_offset)."""
        url = f"{self.api.url.rstrip('/')}/wp-json/"
        try:
            response = requests.get(url, timeout=self.api.timeout, allow_redirects=False)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransientError(f"GET /wp-json/: {exc}") from exc
        status = response.status_code
        if status >= 400:
            raise WooCommerceError(f"GET /wp-json/: HTTP {status}", status)
        body = response.json()
        return body if isinstance(body, dict) else {}

    def pages(self, endpoint: str, **params: Any) -> Iterator[tuple[list[Any], int]]:
        """Yield (items, total) for each page, following X-WP-TotalPages."""
        page, last = 1, 1
        while page <= last:
            response = self._send(
                "GET", endpoint, None, {**params, "page": page, "per_page": PER_PAGE}
            )
            last = int(response.headers.get("X-WP-TotalPages") or 1)
            yield response.json(), int(response.headers.get("X-WP-Total") or 0)
            page += 1

    def all(self, endpoint: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Yield every item of a listing, page after page."""
        for items, _ in self.pages(endpoint, **params):
            yield from items

    def batch(self, endpoint: str, action: str, items: list[Any]) -> list[Any]:
        """Send create/update/delete items to a batch endpoint in chunks of 100."""
        results: list[Any] = []
        for start in range(0, len(items), BATCH_SIZE):
            chunk = items[start : start + BATCH_SIZE]
            body = self.request("POST", f"{endpoint}/batch", {action: chunk})
            results.extend(body.get(action, []))
        return results


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message", ""))[:200] if isinstance(body, dict) else ""
