"""POST /storefront/back-in-stock: a shopper asks to hear when an out-of-stock variant returns."""

from __future__ import annotations

from flask import abort, jsonify
from sqlalchemy import select
from werkzeug.wrappers import Response

from ecomapp.extensions import db
from ecomapp.inventory.back_in_stock import Ask, record_request
from ecomapp.models import PushSubscription, Store, Variant
from ecomapp.push.subscriptions import BadSubscription, parse_subscription, save_subscription
from ecomapp.storefront.fields import consent, email, fields, json_field, text
from ecomapp.storefront.requests import storefront_request
from ecomapp.storefront.routes import bp


def _variant(store: Store, platform_id: str) -> Variant:
    if not platform_id:
        abort(400, description="variant_id: is required")
    variant = db.session.scalar(
        select(Variant).where(Variant.store_id == store.id, Variant.platform_id == platform_id)
    )
    if variant is None:
        abort(404, description="variant_id: this store has no such variant")
    return variant


def _subscription(
    store: Store, raw: object, wording: str, customer: str | None, visitor: str
) -> PushSubscription | None:
    if raw is None:
        return None
    try:
        parsed = parse_subscription(raw)
    except BadSubscription as exc:
        abort(400, description=str(exc))
    return save_subscription(store, parsed, wording, customer, visitor or None)


@bp.route("/back-in-stock", methods=["POST"])
def back_in_stock() -> tuple[Response, int]:
    """Record a verified notify-me request for one variant, by e-mail and/or push, with consent."""
    who = storefront_request()
    data = fields()
    variant = _variant(who.store, text(data, "variant_id", 64))
    address, wording = email(data), consent(data)
    visitor = text(data, "visitor_id", 64)
    sub = _subscription(
        who.store, json_field(data, "subscription"), wording, who.customer_id, visitor
    )
    if address is None and sub is None:
        abort(400, description="email: an e-mail address or a push subscription is required")
    ask = Ask(variant, address, sub, wording, who.source, who.customer_id)
    row = record_request(who.store, ask)
    db.session.commit()
    return jsonify(request=row.request_key, status=row.status, channel=row.channel), 201
