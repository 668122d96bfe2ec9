"""The mandatory compliance topics and app/uninstalled: export, redact, delete, stop."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update

from ecomapp.extensions import db
from ecomapp.mirror.customers import find_customer
from ecomapp.models import Cart, Customer, DataExport, DueWork, InboxDelivery, Order, Store
from ecomapp.models.types import utcnow
from ecomapp.platforms.shopify.normalize import pid
from ecomapp.platforms.shopify.store_ids import forget_store
from ecomapp.privacy import ErasureRequest, erase_person

log = logging.getLogger(__name__)

_ADDRESS_PII = ("name", "company", "address1", "address2", "zip", "phone")


def _orders(store: Store, customer: Customer | None, order_ids: list[Any]) -> list[Order]:
    ids = [str(pid(i)) for i in order_ids or []]
    clauses: list[ColumnElement[bool]] = [Order.platform_id.in_(ids)] if ids else []
    if customer is not None:
        clauses.append(Order.customer_id == customer.id)
    if not clauses:
        return []
    return list(db.session.scalars(select(Order).where(Order.store_id == store.id, or_(*clauses))))


def export_customer(store: Store, payload: dict[str, Any]) -> DataExport:
    """Collect what the mirror holds about a customer into a downloadable export row."""
    who = payload.get("customer") or {}
    customer = find_customer(store, str(pid(who.get("id"))))
    orders = _orders(store, customer, payload.get("orders_requested") or [])
    data = {
        "requested": payload,
        "customer": _customer_data(customer),
        "orders": [_order_data(o) for o in orders],
        "carts": [
            {
                "token": c.platform_id,
                "email": c.email,
                "items": c.items,
                "total": str(c.total_price),
            }
            for c in _carts(store, customer, who.get("email"))
        ],
    }
    export = DataExport(
        store_id=store.id,
        customer_platform_id=str(pid(who.get("id"))),
        request_id=str((payload.get("data_request") or {}).get("id") or "") or None,
        data=data,
    )
    db.session.add(export)
    return export


def _customer_data(customer: Customer | None) -> dict[str, Any] | None:
    if customer is None:
        return None
    names = ("email", "phone", "first_name", "last_name", "company", "city", "province", "zip")
    data: dict[str, Any] = {n: getattr(customer, n) for n in names}
    data |= {"country_code": customer.country_code, "tags": list(customer.tags)}
    data |= {"accepts_marketing": customer.accepts_marketing, "id": customer.platform_id}
    return data


def _order_data(order: Order) -> dict[str, Any]:
    return {
        "id": order.platform_id,
        "name": order.name,
        "email": order.email,
        "total_price": str(order.total_price),
        "placed_at": order.placed_at.isoformat() if order.placed_at else None,
        "lines": [{"title": li.title, "quantity": li.quantity} for li in order.line_items],
        "addresses": [
            {k: getattr(a, k) for k in ("kind", *_ADDRESS_PII, "city", "country_code")}
            for a in order.addresses
        ],
    }


def _carts(store: Store, customer: Customer | None, email: str | None) -> list[Cart]:
    clauses = []
    if customer is not None:
        clauses.append(Cart.customer_id == customer.id)
    if email:
        clauses.append(Cart.email == email)
    if not clauses:
        return []
    return list(db.session.scalars(select(Cart).where(Cart.store_id == store.id, or_(*clauses))))


def redact_customer(store: Store, payload: dict[str, Any], keep_delivery: int | None) -> None:
    """Erase a customer everywhere the app kept them (see ecomapp.privacy.erasure)."""
    who = payload.get("customer") or {}
    customer_id = str(pid(who.get("id")) or "")
    request = ErasureRequest(
        customer_ids=[customer_id] if customer_id else [],
        emails=[who["email"]] if who.get("email") else [],
        order_ids=[str(pid(i)) for i in payload.get("orders_to_redact") or []],
        phones=[who["phone"]] if who.get("phone") else [],
        body_marks=[f"Customer/{customer_id}".encode()] if customer_id else [],
    )
    erase_person(store, request, keep_delivery)


def redact_shop(store: Store, keep_delivery: int | None) -> None:
    """Delete every row the shop owns (every table with a store_id); keep a bare store row."""
    for table in reversed(db.metadata.sorted_tables):
        if "store_id" not in table.c:
            continue
        stmt = delete(table).where(table.c.store_id == store.id)
        if table.name == InboxDelivery.__tablename__ and keep_delivery is not None:
            stmt = stmt.where(table.c.id != keep_delivery)
        db.session.execute(stmt)
    kept = update(InboxDelivery).where(InboxDelivery.id == keep_delivery)
    db.session.execute(kept.values(headers={}))
    uninstall(store)
    store.name, store.email, store.settings = "", None, {"redacted_at": utcnow().isoformat()}
    db.session.flush()
    db.session.expire_all()


def uninstall(store: Store) -> None:
    """Stop everything for the shop: drop tokens, cancel pending work, mark it uninstalled."""
    store.uninstalled_at = store.uninstalled_at or utcnow()
    store.access_token = None
    store.refresh_token = None
    store.access_token_expires_at = None
    store.refresh_token_expires_at = None
    forget_store(store.domain)
    db.session.execute(
        update(DueWork)
        .where(DueWork.store_id == store.id, DueWork.status == "pending")
        .values(status="cancelled")
    )
    log.info("shopify %s uninstalled: tokens dropped, pending work cancelled", store.domain)
