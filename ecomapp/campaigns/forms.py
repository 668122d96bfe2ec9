"""Read a campaign version from the panel's form: audience, subject and blocks."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ecomapp.campaigns.audience import InvalidAudience, audience_condition, parse_audience
from ecomapp.mail.sandbox import check_syntax
from ecomapp.models import CampaignVersion


class InvalidVersion(ValueError):
    """A version the campaign cannot use; `field` names the offending part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _blocks(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if form.get("text", "").strip():
        blocks.append({"type": "text", "text": form["text"]})
    if form.get("image_url", "").strip():
        if not form["image_url"].startswith("https://"):
            raise InvalidVersion("image_url", _("must start with https://"))
        blocks.append({"type": "image", "url": form["image_url"], "alt": form.get("image_alt", "")})
    if form.get("button_label", "").strip():
        if not form.get("button_url", "").startswith(("https://", "http://")):
            raise InvalidVersion("button_url", _("must be an http(s) address"))
        blocks.append({"type": "button", "label": form["button_label"], "url": form["button_url"]})
    grid = form.get("grid", "")
    if grid in ("best_sellers", "favourite_category"):
        blocks.append({"type": "products", "source": grid})
    elif grid == "category":
        if not form.get("category", "").strip():
            raise InvalidVersion("category", _("a category grid needs a category"))
        blocks.append({"type": "products", "source": "category", "category": form["category"]})
    elif grid:
        raise InvalidVersion("grid", _("must be best_sellers, category or favourite_category"))
    return blocks


def apply_form(version: CampaignVersion, form: MultiDict[str, str]) -> None:
    """Validate the form and set the version's fields; raise InvalidVersion naming the field."""
    subject = form.get("subject", "").strip()
    if not subject or len(subject) > 998:
        raise InvalidVersion("subject", _("is required (at most 998 characters)"))
    subject_b = form.get("subject_b", "").strip()
    if len(subject_b) > 998:
        raise InvalidVersion("subject_b", _("at most 998 characters"))
    for name in ("subject", "subject_b", "text"):
        reason = check_syntax(form.get(name, ""))
        if reason:
            raise InvalidVersion(name, reason)
    try:
        position = int(form.get("position") or 0)
    except ValueError:
        raise InvalidVersion("position", _("must be a whole number")) from None
    is_fallback = form.get("is_fallback") == "1"
    try:
        audience = parse_audience(form.get("audience", "all"), form.get("audience_value", ""))
        audience_condition(version.store_id, audience)  # a segment must be one of this store's
    except InvalidAudience as exc:
        raise InvalidVersion(exc.field, str(exc).split(": ", 1)[1]) from None
    version.name = form.get("name", "").strip()[:255] or subject[:60]
    version.subject, version.position, version.is_fallback = subject, position, is_fallback
    version.subject_b = subject_b
    version.audience = {"kind": "all"} if is_fallback else audience
    version.blocks = _blocks(form)


def form_of(version: CampaignVersion) -> dict[str, str]:
    """Return a version's fields as the form shows them."""
    values = {
        "name": version.name,
        "subject": version.subject,
        "subject_b": version.subject_b,
        "position": str(version.position),
        "audience": version.audience.get("kind", "all"),
        "audience_value": version.audience.get("value", ""),
        "is_fallback": "1" if version.is_fallback else "",
    }
    for block in version.blocks or []:
        if block["type"] == "text":
            values["text"] = block["text"]
        elif block["type"] == "image":
            values["image_url"], values["image_alt"] = block["url"], block.get("alt", "")
        elif block["type"] == "button":
            values["button_label"], values["button_url"] = block["label"], block["url"]
        elif block["type"] == "products":
            values["grid"], values["category"] = block["source"], block.get("category", "")
    return values


def parse_ab(form: MultiDict[str, str]) -> tuple[int, int, str]:
    """Return an A/B subject test's sample percent, wait in hours and metric from the form."""
    try:
        percent, hours = int(form.get("ab_percent") or 0), int(form.get("ab_hours") or 4)
    except ValueError:
        raise InvalidVersion("ab_percent", _("must be whole numbers")) from None
    if not 0 <= percent <= 50:
        raise InvalidVersion("ab_percent", _("must be between 0 (off) and 50"))
    if not 1 <= hours <= 72:
        raise InvalidVersion("ab_hours", _("must be between 1 and 72"))
    metric = form.get("ab_metric", "opens")
    if metric not in ("opens", "clicks"):
        raise InvalidVersion("ab_metric", _("must be opens or clicks"))
    return percent, hours, metric
