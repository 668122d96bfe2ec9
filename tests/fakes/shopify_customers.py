"""Customers, e-mail consent and customer segments of the Shopify stand-in, with Shopify's refusals.

customerCreate refuses an invalid or already-taken e-mail and a phone not in E.164 form
("Email has already been taken", "Phone is invalid"); customerEmailMarketingConsentUpdate
accepts only SUBSCRIBED, UNSUBSCRIBED and PENDING (INCLUSION), refuses an unknown customer or
one without an e-mail (INVALID) and a consentUpdatedAt in the future; segmentCreate refuses a
name already used ("Name has already been taken") and a query that is not ShopifyQL it knows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
SETTABLE_STATES = {"SUBSCRIBED", "UNSUBSCRIBED", "PENDING"}
SEGMENT_QUERY = re.compile(r"^customer_tags CONTAINS '((?:[^'\\]|\\.)*)'$")


def _error(field: list[str], message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"field": field, "message": message}
    if code is not None:
        error["code"] = code
    return error


def _future(stamp: str | None, now: datetime) -> bool:
    if not stamp:
        return False
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) > now


class CustomerOps:
    """GraphQL handlers mixed into FakeShopify (state: `customers`, `segments`)."""

    customers: dict[str, dict[str, Any]]
    segments: dict[str, dict[str, Any]]

    def now(self) -> datetime:
        """Return the stand-in's idea of now (the suite's controllable clock)."""
        from ecomapp.models.types import utcnow

        return utcnow().astimezone(UTC)

    def customer_by_email(self, email: str) -> tuple[str, dict[str, Any]] | None:
        """Return (gid, customer) of the customer with this e-mail, if any."""
        for gid, customer in self.customers.items():
            if (customer.get("email") or "").lower() == email.lower():
                return gid, customer
        return None

    def op_customerByEmail(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        match = re.match(r'^email:"?([^"]+)"?$', v.get("query", ""))
        found = self.customer_by_email(match.group(1)) if match else None
        return {"customers": {"nodes": [{"id": found[0]}] if found else []}}

    def _create_refusals(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        email, phone = str(data.get("email") or ""), data.get("phone")
        if not EMAIL.match(email):
            return [_error(["email"], "Email is invalid")]
        if self.customer_by_email(email):
            return [_error(["email"], "Email has already been taken")]
        if phone is not None and not E164.match(str(phone)):
            return [_error(["phone"], "Phone is invalid")]
        consent = data.get("emailMarketingConsent") or {}
        if _future(consent.get("consentUpdatedAt"), self.now()):
            return [_error(["emailMarketingConsent"], "Consent updated at cannot be in the future")]
        return []

    def op_customerCreate(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        data = v.get("input") or {}
        errors = self._create_refusals(data)
        if errors:
            return {"customerCreate": {"customer": None, "userErrors": errors}}
        gid = f"gid://shopify/Customer/{7000000 + len(self.customers) + 1}"
        self.customers[gid] = dict(data)
        return {"customerCreate": {"customer": {"id": gid}, "userErrors": []}}

    def _consent_refusals(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        customer = self.customers.get(str(data.get("customerId")))
        consent = data.get("emailMarketingConsent") or {}
        if customer is None:
            return [_error(["input", "customerId"], "Customer does not exist", "INVALID")]
        if not customer.get("email"):
            message = "Customer must have an email address"
            return [_error(["input", "customerId"], message, "INVALID")]
        if consent.get("marketingState") not in SETTABLE_STATES:
            field = ["input", "emailMarketingConsent", "marketingState"]
            return [_error(field, "Marketing state is not included in the list", "INCLUSION")]
        if _future(consent.get("consentUpdatedAt"), self.now()):
            field = ["input", "emailMarketingConsent", "consentUpdatedAt"]
            return [_error(field, "Consent updated at cannot be in the future", "INVALID")]
        return []

    def op_customerEmailMarketingConsentUpdate(
        self, v: dict[str, Any], shop: str
    ) -> dict[str, Any]:
        data = v.get("input") or {}
        errors = self._consent_refusals(data)
        name = "customerEmailMarketingConsentUpdate"
        if errors:
            return {name: {"customer": None, "userErrors": errors}}
        gid = str(data["customerId"])
        self.customers[gid]["emailMarketingConsent"] = data["emailMarketingConsent"]
        return {name: {"customer": {"id": gid}, "userErrors": []}}

    def _segment_refusals(self, name: str, query: str, own: str | None) -> list[dict[str, Any]]:
        if not name.strip():
            return [_error(["name"], "Name can't be blank")]
        if any(s["name"] == name and gid != own for gid, s in self.segments.items()):
            return [_error(["name"], "Name has already been taken")]
        if not SEGMENT_QUERY.match(query):
            return [_error(["query"], f"Query is invalid: {query!r}")]
        return []

    def op_segmentCreate(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        errors = self._segment_refusals(v.get("name", ""), v.get("query", ""), None)
        if errors:
            return {"segmentCreate": {"segment": None, "userErrors": errors}}
        gid = f"gid://shopify/Segment/{5000 + len(self.segments) + 1}"
        self.segments[gid] = {"name": v["name"], "query": v["query"]}
        return {"segmentCreate": {"segment": {"id": gid}, "userErrors": []}}

    def op_segmentUpdate(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        gid = str(v.get("id"))
        if gid not in self.segments:
            error = _error(["id"], "Segment does not exist")
            return {"segmentUpdate": {"segment": None, "userErrors": [error]}}
        name = v.get("name") or self.segments[gid]["name"]
        query = v.get("query") or self.segments[gid]["query"]
        errors = self._segment_refusals(name, query, gid)
        if errors:
            return {"segmentUpdate": {"segment": None, "userErrors": errors}}
        self.segments[gid] = {"name": name, "query": query}
        return {"segmentUpdate": {"segment": {"id": gid}, "userErrors": []}}
