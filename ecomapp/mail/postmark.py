"""Postmark's HTTP API (through requests): send, and look up an interrupted send."""

from __future__ import annotations

from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from ecomapp.jobs import PermanentError, TransientError
from ecomapp.mail.backends import DeliveryUnknown, MailBackend, Outgoing, RecipientRejected

API = "https://api.postmarkapp.com"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
INACTIVE_RECIPIENT = 406
METADATA_KEY = "ecomapp_message"


class PostmarkBackend(MailBackend):
    """Send through Postmark's /email endpoint with our headers and metadata."""

    name = "postmark"

    def __init__(self, token: str, stream: str = "outbound") -> None:
        self.token = token
        self.stream = stream

    def _headers(self) -> dict[str, str]:
        return {"Accept": "application/json", "X-Postmark-Server-Token": self.token}

    def payload(self, outgoing: Outgoing) -> dict[str, Any]:
        """Return the JSON body Postmark expects for one message."""
        return {
            "From": outgoing.from_addr,
            "To": outgoing.to,
            "Subject": outgoing.subject,
            "HtmlBody": outgoing.html,
            "TextBody": outgoing.text,
            "MessageStream": self.stream,
            "TrackOpens": False,
            "TrackLinks": "None",
            "Headers": [{"Name": k, "Value": v} for k, v in outgoing.headers.items()],
            "Metadata": {METADATA_KEY: outgoing.message_id_header},
        }

    def send(self, outgoing: Outgoing) -> str | None:
        """POST the message; map Postmark's answers to retry, bounce or failure."""
        try:
            response = requests.post(
                f"{API}/email",
                json=self.payload(outgoing),
                headers=self._headers(),
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            if _never_connected(exc):
                raise TransientError(f"Postmark unreachable: {exc}") from exc
            raise DeliveryUnknown(f"Postmark connection broke mid-request: {exc}") from exc
        return _outcome(response)

    def send_batch(self, outgoings: list[Outgoing]) -> list[str | Exception]:
        """POST up to 500 messages to /email/batch; return each one's id or its error.

        Raises TransientError when nothing can have reached Postmark (retry the whole group)
        and DeliveryUnknown when the request broke after it may have been received.
        """
        try:
            response = requests.post(
                f"{API}/email/batch",
                json=[self.payload(o) for o in outgoings],
                headers=self._headers(),
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT * 3),
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            if _never_connected(exc):
                raise TransientError(f"Postmark unreachable: {exc}") from exc
            raise DeliveryUnknown(f"Postmark connection broke mid-request: {exc}") from exc
        if response.status_code != 200:
            _outcome(response)  # raises the mapped error for the whole batch
        return [_item_outcome(item) for item in response.json()]

    def was_sent(self, outgoing: Outgoing) -> bool | None:
        """Search Postmark's sent messages for this one's metadata."""
        try:
            response = requests.get(
                f"{API}/messages/outbound",
                params={
                    "count": "1",
                    "offset": "0",
                    "recipient": outgoing.to,
                    f"metadata_{METADATA_KEY}": outgoing.message_id_header or "",
                },
                headers=self._headers(),
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            )
        except requests.RequestException:
            return None
        if response.status_code != 200:
            return None
        return int(response.json().get("TotalCount", 0)) > 0


def _never_connected(exc: requests.RequestException) -> bool:
    """Return True when the request cannot have reached Postmark (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _item_outcome(item: dict[str, Any]) -> str | Exception:
    code, message = int(item.get("ErrorCode", 0) or 0), item.get("Message", "")
    if code == 0:
        return str(item.get("MessageID", ""))
    if code == INACTIVE_RECIPIENT:
        return RecipientRejected(f"Postmark refused the recipient (inactive): {message}")
    return PermanentError(f"Postmark error {code}: {message}")


def _outcome(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = int(body.get("ErrorCode", 0) or 0)
    message = body.get("Message") or response.reason
    if response.status_code == 200 and code == 0:
        return str(body.get("MessageID", ""))
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = response.headers.get("Retry-After")
        raise TransientError(
            f"Postmark {response.status_code}: {message}",
            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
        )
    if code == INACTIVE_RECIPIENT:
        raise RecipientRejected(f"Postmark refused the recipient (inactive): {message}")
    raise PermanentError(f"Postmark {response.status_code} error {code}: {message}")
