"""Sold-out visibility: hide products sold out for N days, show them on restock, undo."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update

from ecomapp.automation.effects import StepContext
from ecomapp.extensions import db
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.models import Product, ProductStockState, Store, Variant, VisibilityChange, utcnow
from ecomapp.platforms.registry import get_adapter

DEFAULT_AFTER_DAYS = 14


def _in_stock(product_id: Any) -> Any:
    """Return the condition: the product has a variant in stock (or with untracked stock)."""
    return exists().where(
        Variant.product_id == product_id,
        or_(Variant.inventory_quantity.is_(None), Variant.inventory_quantity > 0),
    )


def _sold_out_ids(store: Store) -> set[int]:
    """Return the ids of the store's live products whose every variant is at 0 or below."""
    stmt = select(Product.id).where(
        Product.store_id == store.id,
        Product.deleted_at.is_(None),
        exists().where(Variant.product_id == Product.id),
        ~_in_stock(Product.id),
    )
    return set(db.session.scalars(stmt))


def _states(store: Store) -> dict[int, ProductStockState]:
    rows = db.session.scalars(
        select(ProductStockState).where(ProductStockState.store_id == store.id)
    )
    return {row.product_id: row for row in rows}


def state_of(store: Store, product_id: int) -> ProductStockState:
    """Return a product's stock state row, created when missing."""
    row = db.session.scalar(
        select(ProductStockState).where(
            ProductStockState.store_id == store.id, ProductStockState.product_id == product_id
        )
    )
    if row is None:
        row = ProductStockState(store_id=store.id, product_id=product_id)
        db.session.add(row)
    return row


def mark_sold_out(store: Store, now: datetime) -> None:
    """Stamp when products sold out (first seen so) and clear the stamp of restocked ones."""
    sold_out, states = _sold_out_ids(store), _states(store)
    for product_id in sold_out:
        state = states.get(product_id)
        if state is None:
            state = states[product_id] = ProductStockState(store_id=store.id, product_id=product_id)
            db.session.add(state)
        if state.sold_out_since is None:
            state.sold_out_since = now
    for product_id, state in states.items():
        if product_id not in sold_out and state.sold_out_since is not None:
            state.sold_out_since = None
    db.session.flush()


def hide_candidates(store: Store, after_days: int, now: datetime) -> list[tuple[int, str]]:
    """Return (id, platform id) of products to hide: one query over the store's mirror."""
    cutoff = now - timedelta(days=after_days)
    stmt = (
        select(Product.id, Product.platform_id)
        .join(
            ProductStockState,
            and_(
                ProductStockState.product_id == Product.id,
                ProductStockState.store_id == store.id,
            ),
        )
        .where(Product.store_id == store.id, Product.deleted_at.is_(None))
        .where(Product.status == "active", ~_in_stock(Product.id))
        .where(ProductStockState.hidden.is_(False), ProductStockState.exempt.is_(False))
        .where(ProductStockState.sold_out_since <= cutoff)
        .where(
            or_(
                ProductStockState.restock_planned_on.is_(None),
                ProductStockState.restock_planned_on < now.date(),
            )
        )
        .order_by(Product.id)
    )
    return [(row.id, row.platform_id) for row in db.session.execute(stmt)]


def restocked_hidden(store: Store) -> list[tuple[int, str]]:
    """Return (id, platform id) of products hidden by us that have stock again."""
    stmt = (
        select(Product.id, Product.platform_id)
        .join(
            ProductStockState,
            and_(
                ProductStockState.product_id == Product.id,
                ProductStockState.store_id == store.id,
            ),
        )
        .where(Product.store_id == store.id, ProductStockState.hidden.is_(True))
        .where(ProductStockState.kept_hidden.is_(False), _in_stock(Product.id))
        .order_by(Product.id)
    )
    return [(row.id, row.platform_id) for row in db.session.execute(stmt)]


def push(
    store: Store, products: list[tuple[int, str]], visible: bool, reason: str, now: datetime
) -> list[VisibilityChange]:
    """Show or hide products on the platform in bulk; log each change and keep the state."""
    adapter = get_adapter(store.platform)
    size = adapter.visibility_batch_size
    changes = []
    for start in range(0, len(products), size):
        chunk = products[start : start + size]
        try:
            refused = adapter.set_products_visible(store, [pid for _, pid in chunk], visible)
        except (PermanentError, TransientError) as exc:  # logged; the next sweep tries again
            refused = {platform_id: str(exc) for _, platform_id in chunk}
        for product_id, platform_id in chunk:
            error = refused.get(platform_id)
            change = VisibilityChange(
                store_id=store.id,
                product_id=product_id,
                action="show" if visible else "hide",
                reason=reason,
                status="failed" if error else "done",
                error=error,
                created_at=now,
            )
            changes.append(change)
        db.session.add_all(changes[start:])
        done = [c.product_id for c in changes[start:] if c.status == "done"]
        db.session.execute(
            update(ProductStockState)
            .where(ProductStockState.store_id == store.id, ProductStockState.product_id.in_(done))
            .values(hidden=not visible, kept_hidden=False)
            .execution_options(synchronize_session="fetch")
        )
        db.session.flush()
    return changes


def show_restocked(store: Store, now: datetime | None = None) -> list[VisibilityChange]:
    """Show again every product hidden while sold out that has stock now."""
    now = now or utcnow()
    return push(store, restocked_hidden(store), True, "restock", now)


def hide_sold_out(store: Store, after_days: int, now: datetime | None = None) -> list[Any]:
    """Show restocked products, then hide those sold out for after_days with no restock planned."""
    now = now or utcnow()
    shown = show_restocked(store, now)
    mark_sold_out(store, now)
    return shown + push(store, hide_candidates(store, after_days, now), False, "sold_out", now)


def hide_sold_out_action(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Run the sweep for the automation's store (its schedule fires it from the ticker)."""
    days = int(params.get("after_days") or DEFAULT_AFTER_DAYS)
    changes = hide_sold_out(ctx.store, days)
    hidden = sum(1 for c in changes if c.action == "hide" and c.status == "done")
    shown = sum(1 for c in changes if c.action == "show" and c.status == "done")
    failed = sum(1 for c in changes if c.status == "failed")
    return {"hidden": hidden, "shown": shown, "failed": failed}


class AlreadyUndone(Exception):
    """The change was undone before."""


def undo(store: Store, change_id: int, now: datetime | None = None) -> VisibilityChange | None:
    """Reverse one logged change; an undone hide exempts the product, an undone show keeps it
    hidden through restocks."""
    now = now or utcnow()
    change = db.session.scalar(
        select(VisibilityChange).where(
            VisibilityChange.store_id == store.id, VisibilityChange.id == change_id
        )
    )
    if change is None:
        return None
    if change.undone_at is not None or change.status != "done":
        raise AlreadyUndone(f"change {change_id} cannot be undone twice or after a failure")
    product = db.session.get(Product, change.product_id)
    assert product is not None  # the change row goes with its product
    (reverse,) = push(
        store, [(product.id, product.platform_id)], change.action == "hide", "undo", now
    )
    reverse.undo_of_id = change.id
    if reverse.status == "done":
        change.undone_at = now
        state = state_of(store, product.id)
        if change.action == "hide":
            state.exempt = True  # or the next sweep hides it again
        else:
            state.kept_hidden = True  # or the next restock shows it again
    return reverse


def set_exempt(store: Store, product_id: int, exempt: bool) -> ProductStockState | None:
    """Exempt a product from hiding (shown again at once when hidden), or end the exemption."""
    product = db.session.scalar(
        select(Product).where(Product.store_id == store.id, Product.id == product_id)
    )
    if product is None:
        return None
    state = state_of(store, product.id)
    state.exempt = exempt
    if exempt and state.hidden:
        push(store, [(product.id, product.platform_id)], True, "exempt", utcnow())
    return state
