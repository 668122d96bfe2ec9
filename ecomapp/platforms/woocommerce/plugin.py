"""The companion plugin's side channel: signed cart events and signed panel logins."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any

from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.jobs.queue import redis_connection
from ecomapp.mail.consent_records import ConsentAnswer, record_consent
from ecomapp.mirror.carts import apply_cart
from ecomapp.mirror.records import CartRecord, CustomerRecord
from ecomapp.models import Cart, Store
from ecomapp.models.types import to_money, utcnow
from ecomapp.platforms.woocommerce.normalize import gmt, text

PANEL_TOKEN_MAX_AGE = 120
CLOCK_SKEW = 30
CART_EVENTS = {"cart.updated"}
CONSENT_SOURCES = ("classic_checkout", "block_checkout")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class PluginRefused(ValueError):
    """A plugin request we refuse; the message says why."""


def panel_signature(secret: str, store_id: int, ts: int, user: str) -> str:
    """Return the hex HMAC-SHA256 the plugin signs a panel login with."""
    message = f"panel|{store_id}|{ts}|{user}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_panel_token(secret: str | None, store_id: int, args: Any) -> None:
    """Accept a fresh, correctly signed, never used panel login, or raise PluginRefused."""
    ts_raw, user, sig = args.get("ts", ""), args.get("user", ""), args.get("sig", "")
    if not secret or not ts_raw.isdigit() or not sig:
        raise PluginRefused("the sign-in link is incomplete")
    ts = int(ts_raw)
    if not hmac.compare_digest(panel_signature(secret, store_id, ts, user), sig):
        raise PluginRefused("the sign-in link is not signed by this store's plugin")
    age = time.time() - ts
    if age > PANEL_TOKEN_MAX_AGE or age < -CLOCK_SKEW:
        raise PluginRefused("the sign-in link has expired: open ecomapp from WordPress again")
    if not redis_connection().set(f"woo-panel-sig:{sig}", 1, nx=True, ex=PANEL_TOKEN_MAX_AGE * 2):
        raise PluginRefused("the sign-in link was already used")


def event_key(store_id: int, event: dict[str, Any], body: bytes) -> str:
    """Return the dedupe key of a cart event: store + cart key + time + a digest of the bytes."""
    cart, digest = event["cart"], hashlib.sha256(body).hexdigest()[:16]
    return f"{store_id}:cart:{str(cart['key'])[:64]}:{cart.get('updated_at_gmt')}:{digest}"


def check_event(event: Any) -> dict[str, Any]:
    """Return a well-formed cart event, or raise PluginRefused naming the problem."""
    if not isinstance(event, dict) or event.get("event") not in CART_EVENTS:
        raise PluginRefused("event must be an object with event = cart.updated")
    cart = event.get("cart")
    if not isinstance(cart, dict) or not str(cart.get("key") or "").strip():
        raise PluginRefused("cart.key is required")
    if len(str(cart["key"])) > 64 or len(str(cart.get("email") or "")) > 255:
        raise PluginRefused("cart.key (64) or cart.email (255) is too long")
    if not _CURRENCY.match(str(cart.get("currency") or "USD")):
        raise PluginRefused("cart.currency must be a 3-letter ISO code")
    if not isinstance(cart.get("items", []), list):
        raise PluginRefused("cart.items must be a list")
    _check_consent(cart.get("consent"))
    try:
        gmt(cart.get("updated_at_gmt"))
        to_money(cart.get("total"))
    except (ValueError, ArithmeticError) as exc:
        raise PluginRefused(f"cart.updated_at_gmt or cart.total is malformed: {exc}") from None
    return event


def _check_consent(consent: Any) -> None:
    """Accept no consent answer, or one with a yes/no, its wording and its source."""
    if consent is None:
        return
    if not isinstance(consent, dict) or not isinstance(consent.get("granted"), bool):
        raise PluginRefused("cart.consent must be an object with granted = true or false")
    wording, source = consent.get("wording"), consent.get("source")
    if not isinstance(wording, str) or not wording.strip() or len(wording) > 2000:
        raise PluginRefused("cart.consent.wording is required (at most 2000 characters)")
    if source not in CONSENT_SOURCES:
        raise PluginRefused(f"cart.consent.source must be one of {', '.join(CONSENT_SOURCES)}")
    try:
        gmt(consent.get("given_at_gmt"))
    except ValueError as exc:
        raise PluginRefused(f"cart.consent.given_at_gmt is malformed: {exc}") from None


def _item(item: dict[str, Any]) -> dict[str, Any]:
    product_id = int(item.get("product_id") or 0)
    variation_id = int(item.get("variation_id") or 0)
    return {
        "product_id": str(product_id) if product_id else None,
        "variant_id": str(variation_id or product_id) if product_id else None,
        "title": text(item.get("name")),
        "quantity": int(item.get("quantity") or 1),
        "price": str(to_money(item.get("price"))),
        "sku": item.get("sku") or None,
    }


def cart_record(cart: dict[str, Any]) -> CartRecord:
    """Return the canonical record of a cart the plugin reported."""
    email = (cart.get("email") or "").strip() or None
    customer_id = int(cart.get("customer_id") or 0)
    customer = None
    if customer_id or email:
        pid = str(customer_id) if customer_id else f"guest:{email.lower()}"  # type: ignore[union-attr]
        customer = CustomerRecord(platform_id=pid, email=email, has_account=bool(customer_id))
    return CartRecord(
        platform_id=str(cart["key"]),
        email=email,
        customer=customer,
        items=[_item(i) for i in cart.get("items") or []],
        total_price=to_money(cart.get("total")),
        currency=cart.get("currency") or "USD",
        recovery_url=cart.get("recovery_url") or None,
        updated_at=gmt(cart.get("updated_at_gmt")),
    )


def apply_cart_event(store: Store, event: dict[str, Any]) -> bool:
    """Upsert the cart of a plugin event (emits cart.updated) and record the consent it carries.

    A cart the mirror has never seen is stored only once it has items (False: ignored).
    """
    rec = cart_record(event["cart"])
    if not rec.items and not _known_cart(store, rec.platform_id):
        return False
    cart = apply_cart(store, rec)
    consent = event["cart"].get("consent")
    if consent and cart.email:
        record_consent(store, cart.email, cart.customer_id, consent_answer(consent))
    return True


def _known_cart(store: Store, platform_id: str) -> bool:
    found = select(Cart.id).where(Cart.store_id == store.id, Cart.platform_id == platform_id)
    return db.session.scalar(found) is not None


def consent_answer(consent: dict[str, Any]) -> ConsentAnswer:
    """Return the consent answer a plugin event carries."""
    given_at = gmt(consent.get("given_at_gmt")) or utcnow()
    return ConsentAnswer(
        bool(consent["granted"]), str(consent["wording"]).strip(), str(consent["source"]), given_at
    )


def connection_key(app_url: str, store_id: int, secret: str) -> str:
    """Return the key the merchant pastes into the plugin: where to send, who, and the secret."""
    data = json.dumps({"url": app_url, "store": store_id, "secret": secret}, separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode()
