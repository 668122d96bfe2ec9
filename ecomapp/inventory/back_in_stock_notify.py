"""On restock: notify the oldest waiting requests, no more than the units that came back, once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from ecomapp.extensions import db
from ecomapp.inventory.back_in_stock import NOTIFIED, TEMPLATE, WAITING
from ecomapp.mail.api import MailRequest, render, send_email
from ecomapp.models import BackInStockRequest, Product, PushSubscription, Store, Variant
from ecomapp.models.types import utcnow
from ecomapp.push.send import PushRequest, queue_push

PUSH_TITLE = "{{ product.title }} is back in stock"
PUSH_BODY = "Good news: {{ product.title }} is available again."


@dataclass(frozen=True)
class Notice:
    """How a restock notice goes out: template, push wording, the automation behind it."""

    template: str = TEMPLATE
    push_title: str = PUSH_TITLE
    push_body: str = PUSH_BODY
    automation_id: int | None = None
    run_id: int | None = None


def product_url(store: Store, product: Product) -> str:
    """Return the product's storefront URL."""
    path = "products" if store.platform == "shopify" else "product"
    return f"https://{store.domain}/{path}/{product.handle}" if product.handle else ""


def _claim(store: Store, variant: Variant, units: int) -> list[BackInStockRequest]:
    now = utcnow()
    stmt = (
        select(BackInStockRequest)
        .where(
            BackInStockRequest.store_id == store.id,
            BackInStockRequest.variant_id == variant.id,
            BackInStockRequest.status == WAITING,
            BackInStockRequest.expires_at > now,
        )
        .order_by(BackInStockRequest.id)
        .limit(units)
        .with_for_update(skip_locked=True)
    )
    rows = list(db.session.scalars(stmt))
    if rows:
        db.session.execute(
            update(BackInStockRequest)
            .where(BackInStockRequest.id.in_([r.id for r in rows]))
            .values(status=NOTIFIED, notified_at=now)
        )
    return rows


def notify_restock(store: Store, variant_id: int, units: int, notice: Notice) -> dict[str, Any]:
    """Notify up to `units` waiting shoppers of a variant in request order; return the tally."""
    variant = db.session.get(Variant, variant_id)
    if variant is None or variant.store_id != store.id or units <= 0:
        return {"notified": 0}
    product = db.session.get(Product, variant.product_id)
    context = _context(store, product, variant)
    rows = _claim(store, variant, units)
    mails = pushes = 0
    for row in rows:
        if row.email and row.channel in ("email", "both"):
            send_email(store, _mail(row, notice, context))
            mails += 1
        sub = row.subscription_id and db.session.get(PushSubscription, row.subscription_id)
        if sub and sub.removed_at is None and row.channel in ("push", "both"):
            queue_push(store, sub, _push(row, notice, context))
            pushes += 1
    return {"notified": len(rows), "emails": mails, "pushes": pushes, "variant": variant.id}


def _context(store: Store, product: Product | None, variant: Variant) -> dict[str, Any]:
    title = product.title if product else variant.title
    url = product_url(store, product) if product else ""
    return {
        "product": {"title": title, "url": url.removeprefix(f"https://{store.domain}")},
        "variant": {"title": variant.title, "sku": variant.sku},
        "product_url": url,
    }


def _mail(row: BackInStockRequest, notice: Notice, context: dict[str, Any]) -> MailRequest:
    return MailRequest(
        to=str(row.email),
        template_key=notice.template,
        idempotency_key=f"back-in-stock:{row.request_key}",
        context=context,
        kind="transactional",  # the shopper asked for exactly this message
        customer_id=row.customer_id,
        automation_id=notice.automation_id,
        run_id=notice.run_id,
    )


def _push(row: BackInStockRequest, notice: Notice, context: dict[str, Any]) -> PushRequest:
    return PushRequest(
        title=render(notice.push_title, context),
        body=render(notice.push_body, context),
        idempotency_key=f"back-in-stock:{row.request_key}:push",
        url=context["product_url"],
        customer_id=row.customer_id,
        automation_id=notice.automation_id,
        run_id=notice.run_id,
    )
