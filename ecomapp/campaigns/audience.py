"""Who a campaign version is for: one SQL condition over customers per audience.

This is the one seam segments plug into: `audience_condition` turns an audience spec into a
condition on the customers table, and `audience_query` into a SELECT of customer ids.
Supported today: everyone (`all`), customers with marketing consent (`subscribed`), customers
with a tag (`tag`), business or individual customers (`b2b`, `b2c`, see ecomapp/mirror/kinds.py).
a segment of the store (its id or exact name, ecomapp/segments/) and an RFM group (`rfm`, the
groups ecomapp/segments/rfm.py scores nightly, e.g. at_risk).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, func, select, true

from ecomapp.extensions import db
from ecomapp.i18n import N_
from ecomapp.models import Customer, CustomerKind
from ecomapp.models.segments import CustomerRfm, Segment, SegmentMember
from ecomapp.models.types import tag_pattern
from ecomapp.segments.fields import RFM_GROUPS

KINDS = ("all", "subscribed", "tag", "b2b", "b2c", "segment", "rfm")
VALUED = ("tag", "segment", "rfm")
LABELS = {
    "all": N_("Everyone"),
    "subscribed": N_("Subscribed customers"),
    "tag": N_("Customers with tag"),
    "b2b": N_("Business customers (B2B)"),
    "b2c": N_("Individual customers (B2C)"),
    "segment": N_("Segment (id or name)"),
    "rfm": N_("RFM group (e.g. at_risk)"),
}


class InvalidAudience(ValueError):
    """An audience the campaign cannot use; `field` names the offending part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def parse_audience(kind: str, value: str = "") -> dict[str, Any]:
    """Return a valid audience spec from form fields, or raise InvalidAudience."""
    if kind not in KINDS:
        raise InvalidAudience("audience", _("must be one of %(choices)s", choices=", ".join(KINDS)))
    value = value.strip()
    if kind in VALUED and not value:
        raise InvalidAudience("audience_value", _("a %(kind)s audience needs a value", kind=kind))
    if len(value) > 64:
        raise InvalidAudience("audience_value", _("at most 64 characters"))
    if kind == "rfm" and value not in RFM_GROUPS:
        raise InvalidAudience(
            "audience_value", _("an RFM group: %(groups)s", groups=", ".join(RFM_GROUPS))
        )
    return {"kind": kind, "value": value} if kind in VALUED else {"kind": kind}


def base_condition(store_id: int) -> ColumnElement[bool]:
    """Return who can receive any campaign of the store: its customers with an e-mail address."""
    return and_(
        Customer.store_id == store_id,
        Customer.email.is_not(None),
        func.trim(Customer.email) != "",
        Customer.redacted_at.is_(None),
    )


def audience_condition(store_id: int, audience: dict[str, Any]) -> ColumnElement[bool]:
    """Return the SQL condition on customers for one audience spec."""
    kind = audience.get("kind", "all")
    if kind == "all":
        return true()
    if kind == "subscribed":
        return Customer.accepts_marketing.is_(True)
    if kind == "tag":
        return Customer.tags.like(tag_pattern(str(audience.get("value", ""))))
    if kind in ("b2b", "b2c"):
        wanted = CustomerKind.B2B if kind == "b2b" else CustomerKind.B2C
        return Customer.kind == wanted.value
    if kind == "segment":
        return Customer.id.in_(select(SegmentMember.customer_id).where(
            SegmentMember.segment_id == _segment_id(store_id, str(audience.get("value", "")))
        ))  # fmt: skip
    if kind == "rfm":
        return Customer.id.in_(select(CustomerRfm.customer_id).where(
            CustomerRfm.store_id == store_id, CustomerRfm.rfm_group == audience.get("value")
        ))  # fmt: skip
    raise InvalidAudience("audience", _("unknown audience %(kind)r", kind=kind))


def _segment_id(store_id: int, value: str) -> int:
    """Return the id of the store's segment named by id or exact name (never another store's)."""
    named = Segment.id == int(value) if value.isdigit() else Segment.name == value
    found = db.session.scalar(select(Segment.id).where(Segment.store_id == store_id, named))
    if found is None:
        raise InvalidAudience(
            "audience_value", _("no segment %(value)r in this store", value=value)
        )
    return int(found)


def audience_query(store_id: int, audience: dict[str, Any] | None = None) -> Select[Any]:
    """Return a SELECT of the ids of the store's customers in an audience (all when None)."""
    condition = audience_condition(store_id, audience or {"kind": "all"})
    return select(Customer.id).where(base_condition(store_id), condition)
