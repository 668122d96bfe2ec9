"""Read a storefront request's fields: JSON from the plugin, a form through the app proxy."""

from __future__ import annotations

import json
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import abort, request


def fields() -> dict[str, Any]:
    """Return the request's fields; a JSON body must be an object (else 400)."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, description="body: must be a JSON object")
        return body
    return request.form.to_dict()


def text(data: dict[str, Any], name: str, limit: int = 2000) -> str:
    """Return a field as stripped text (absent: empty), or 400 when it is not text or too long."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > limit:
        abort(400, description=f"{name}: must be text of at most {limit} characters")
    return str(value).strip()


def email(data: dict[str, Any]) -> str | None:
    """Return the normalized e-mail field, None when absent, or 400 naming the field."""
    raw = text(data, "email", 320)
    if not raw:
        return None
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        abort(400, description=f"email: {exc}")


def consent(data: dict[str, Any]) -> str:
    """Return the consent wording the shopper agreed to, or 400 when consent is missing."""
    given = data.get("consent")
    if given not in (True, "1", "true", "yes", "on", 1):
        abort(400, description="consent: the shopper must agree to be contacted")
    wording = text(data, "consent_text")
    if not wording:
        abort(400, description="consent_text: the wording shown to the shopper is required")
    return wording


def json_field(data: dict[str, Any], name: str) -> Any:
    """Return a field that holds JSON (an object in a JSON body, a string in a form)."""
    value = data.get(name)
    if isinstance(value, str) and value.strip():
        try:
            return json.loads(value)
        except ValueError:
            abort(400, description=f"{name}: must be JSON")
    return value or None
