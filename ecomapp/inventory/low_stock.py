"""Low stock with demand: tag the product, alert the merchant now or in a daily digest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ecomapp.alert_recipients import alert_recipients
from ecomapp.automation.effects import StepContext
from ecomapp.extensions import db
from ecomapp.inventory.demand import (
    DEFAULT_LEAD_DAYS,
    DEFAULT_SAFETY_DAYS,
    WINDOW_DAYS,
    Demand,
    demand_figures,
)
from ecomapp.jobs.retry import PermanentError
from ecomapp.mail.api import MailRequest, send_email
from ecomapp.models import LowStockCrossing, Message, Product, Store, Variant, utcnow
from ecomapp.models.types import normalize_tags
from ecomapp.platforms.base import TagChange
from ecomapp.platforms.registry import get_adapter

TEMPLATE = "low_stock_demand"
DEFAULT_TAG = "low-stock"
LEAD_KEY, SAFETY_KEY, DIGEST_KEY = (
    "low_stock_lead_days",
    "low_stock_safety_days",
    "low_stock_digest_hour",
)


def digest_hour(store: Store) -> int | None:
    """Return the store-time hour of the daily digest, or None for one mail per crossing."""
    hour = int(store.settings.get(DIGEST_KEY, -1))
    return hour if 0 <= hour <= 23 else None


def lead_and_safety(store: Store) -> tuple[int, int]:
    """Return the merchant's lead time and safety days."""
    settings = store.settings
    lead = int(settings.get(LEAD_KEY, DEFAULT_LEAD_DAYS))
    return lead, int(settings.get(SAFETY_KEY, DEFAULT_SAFETY_DAYS))


def low_stock_demand(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Tag the variant's product, record the crossing and alert now (unless digested)."""
    variant, product = ctx.obj("variant"), ctx.obj("product")
    tag = str(params.get("tag") or DEFAULT_TAG)
    retag_products(ctx.store, {product["id"]: {tag}}, add=True)
    crossing = LowStockCrossing(
        store_id=ctx.store.id,
        variant_id=variant["id"],
        product_id=product["id"],
        stock=int(variant.get("inventory_quantity") or 0),
        threshold=int(variant.get("low_stock_threshold") or 0),
        tag=tag,
        crossed_at=utcnow(),
    )
    db.session.add(crossing)
    db.session.flush()
    if digest_hour(ctx.store) is not None:
        return {"product": product["platform_id"], "tag": tag, "digest": True}
    sent = send_alert(ctx.store, [crossing], ctx.key, utcnow(), digest=False)
    return {"product": product["platform_id"], "tag": tag, "to": sent}


def _row(item: Demand) -> dict[str, Any]:
    cover = f"{item.cover_days} days" if item.cover_days is not None else "no sales in 30 days"
    return {
        "title": item.title,
        "sku": item.sku or "",
        "stock": item.stock,
        "threshold": item.threshold,
        "per_day": str(item.per_day),
        "cover": cover,
        "waiting": item.waiting,
        "reorder": item.reorder,
    }


def send_alert(
    store: Store, crossings: list[LowStockCrossing], key: str, now: datetime, digest: bool
) -> str:
    """E-mail the figures of these crossings to the alert recipients; mark them alerted."""
    recipients = alert_recipients(store)
    if not recipients:
        raise PermanentError("the store has no alert recipients (Settings) nor e-mail address")
    lead, safety = lead_and_safety(store)
    items = demand_figures(store, sorted({c.variant_id for c in crossings}), now, lead, safety)
    context = {
        "items": [_row(i) for i in items],
        "lead_days": lead,
        "safety_days": safety,
        "window_days": WINDOW_DAYS,
        "digest": digest,
    }
    for n, address in enumerate(recipients):
        mail_key = key if n == 0 else f"{key}:to:{address}"
        send_email(store, MailRequest(address, TEMPLATE, mail_key, context))
    for crossing in crossings:
        crossing.alerted_at = now
    return ", ".join(recipients)


def _digest_moment(store: Store, now: datetime) -> datetime | None:
    """Return today's digest moment (UTC) once it has come, else None."""
    hour = digest_hour(store)
    zone = ZoneInfo(store.timezone or "UTC")
    local = now.astimezone(zone)
    moment = local.replace(hour=hour or 0, minute=0, second=0, microsecond=0)
    return moment.astimezone(UTC) if moment <= local else None


def _digest_sent(store: Store, key: str) -> bool:
    found = db.session.scalar(
        select(Message.id).where(Message.store_id == store.id, Message.idempotency_key == key)
    )
    return found is not None


def send_digest(store: Store, now: datetime) -> bool:
    """Send the store's digest of crossings up to today's digest moment, once a day."""
    moment = _digest_moment(store, now)
    if moment is None:
        return False
    local_day = moment.astimezone(ZoneInfo(store.timezone or "UTC")).date().isoformat()
    key = f"low-stock-digest:{store.id}:{local_day}"
    crossings = db.session.scalars(
        select(LowStockCrossing).where(
            LowStockCrossing.store_id == store.id,
            LowStockCrossing.alerted_at.is_(None),
            LowStockCrossing.crossed_at <= moment,
        )
    ).all()
    if not crossings or _digest_sent(store, key):
        return False
    send_alert(store, list(crossings), key, now, digest=True)
    return True


def send_digests(now: datetime | None = None) -> int:
    """Send each store's daily digest of unalerted crossings once its local hour has come."""
    now = now or utcnow()
    store_ids = db.session.scalars(
        select(LowStockCrossing.store_id).where(LowStockCrossing.alerted_at.is_(None)).distinct()
    ).all()
    sent = 0
    for store_id in store_ids:
        store = db.session.get(Store, store_id)
        if store is not None and store.is_active and send_digest(store, now):
            db.session.commit()
            sent += 1
    return sent


def untag_restocked(store: Store, variant_ids: list[int], now: datetime) -> int:
    """Close the crossings of restocked variants; untag products with none left open."""
    opened = select(LowStockCrossing).where(
        LowStockCrossing.store_id == store.id, LowStockCrossing.restocked_at.is_(None)
    )
    closing = db.session.scalars(
        opened.join(Variant, Variant.id == LowStockCrossing.variant_id).where(
            LowStockCrossing.variant_id.in_(variant_ids),
            Variant.inventory_quantity > LowStockCrossing.threshold,
        )
    ).all()
    for crossing in closing:
        crossing.restocked_at = now
    db.session.flush()
    still_low = set(db.session.scalars(opened.with_only_columns(LowStockCrossing.product_id)))
    untag: dict[int, set[str]] = {}
    for crossing in closing:
        if crossing.product_id not in still_low and crossing.tag:
            untag.setdefault(crossing.product_id, set()).add(crossing.tag)
    return retag_products(store, untag, add=False)


def retag_products(store: Store, tags: dict[int, set[str]], add: bool) -> int:
    """Add or remove tags on products: in the mirror, then on the platform in batches."""
    if not tags:
        return 0
    products = db.session.scalars(
        select(Product).where(Product.store_id == store.id, Product.id.in_(tags))
    ).all()
    changes = []
    for product in products:
        wanted = sorted(tags[product.id])
        if add:
            product.tags = normalize_tags([*product.tags, *wanted])
        else:
            product.tags = [t for t in product.tags if t not in tags[product.id]]
        changes.append(TagChange(product.platform_id, **{"add" if add else "remove": wanted}))
    adapter = get_adapter(store.platform)
    for start in range(0, len(changes), adapter.tag_batch_size):
        adapter.change_tags_bulk(store, "product", changes[start : start + adapter.tag_batch_size])
    return len(changes)
