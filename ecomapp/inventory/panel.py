"""The panel's Stock page: visibility changes with Undo, sold-out products, exemptions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.inventory.demand import Demand, demand_figures
from ecomapp.inventory.low_stock import lead_and_safety
from ecomapp.inventory.visibility import AlreadyUndone, set_exempt, state_of, undo
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.models import LowStockCrossing, Product, ProductStockState, VisibilityChange, utcnow

bp = Blueprint("stock", __name__, url_prefix="/stock")
SHOWN = 100


def _changes() -> list[tuple[VisibilityChange, str]]:
    rows = db.session.execute(
        select(VisibilityChange, Product.title)
        .join(Product, Product.id == VisibilityChange.product_id)
        .where(VisibilityChange.store_id == g.store.id)
        .order_by(VisibilityChange.id.desc())
        .limit(SHOWN)
    )
    return [(change, title) for change, title in rows]


def _states() -> list[tuple[ProductStockState, str]]:
    rows = db.session.execute(
        select(ProductStockState, Product.title)
        .join(Product, Product.id == ProductStockState.product_id)
        .where(ProductStockState.store_id == g.store.id)
        .where(
            (ProductStockState.sold_out_since.is_not(None))
            | ProductStockState.hidden
            | ProductStockState.exempt
        )
        .order_by(Product.title)
        .limit(SHOWN)
    )
    return [(state, title) for state, title in rows]


def _low() -> list[tuple[LowStockCrossing, str]]:
    rows = db.session.execute(
        select(LowStockCrossing, Product.title)
        .join(Product, Product.id == LowStockCrossing.product_id)
        .where(LowStockCrossing.store_id == g.store.id, LowStockCrossing.restocked_at.is_(None))
        .order_by(LowStockCrossing.id.desc())
        .limit(SHOWN)
    )
    return [(crossing, title) for crossing, title in rows]


def _figures(low: list[tuple[LowStockCrossing, str]]) -> dict[int, Demand]:
    lead, safety = lead_and_safety(g.store)
    ids = sorted({crossing.variant_id for crossing, _ in low})
    return {d.variant_id: d for d in demand_figures(g.store, ids, utcnow(), lead, safety)}


@bp.route("/")
def index() -> str:
    """Show low-stock crossings with their figures, visibility changes and sold-out products."""
    low = _low()
    return render_template(
        "inventory/stock.html",
        changes=_changes(),
        states=_states(),
        low=low,
        figures=_figures(low),
    )


def _platform_call(call: Any) -> Any:
    try:
        return call()
    except (PermanentError, TransientError) as exc:
        db.session.rollback()
        abort(502, f"the store refused the change: {exc}")


@bp.route("/changes/<int:change_id>/undo", methods=["POST"])
def undo_change(change_id: int) -> str:
    """Reverse one visibility change on the platform."""
    try:
        reverse = _platform_call(lambda: undo(g.store, change_id))
    except AlreadyUndone as exc:
        abort(409, str(exc))
    if reverse is None:
        abort(404)
    db.session.commit()
    change = db.session.get(VisibilityChange, change_id)
    title = db.session.get(Product, change.product_id).title  # type: ignore[union-attr]
    return render_template(
        "inventory/_change_row.html", change=change, title=title, reverse=reverse
    )


@bp.route("/products/<int:product_id>/exempt", methods=["POST"])
def exempt(product_id: int) -> str:
    """Exempt a product from hiding, or end its exemption (form field exempt=1|0)."""
    value = request.form.get("exempt")
    if value not in ("0", "1"):
        abort(400, "exempt: " + _("must be 1 or 0"))
    state = _platform_call(lambda: set_exempt(g.store, product_id, value == "1"))
    if state is None:
        abort(404)
    db.session.commit()
    title = db.session.get(Product, product_id).title  # type: ignore[union-attr]
    return render_template("inventory/_state_row.html", state=state, title=title)


@bp.route("/products/<int:product_id>/restock", methods=["POST"])
def restock_planned(product_id: int) -> str:
    """Set or clear the date a restock is planned (form field restock_planned_on)."""
    raw = (request.form.get("restock_planned_on") or "").strip()
    try:
        planned = date.fromisoformat(raw) if raw else None
    except ValueError:
        abort(400, f"restock_planned_on: must be a date YYYY-MM-DD, got {raw!r}")
    product = db.session.scalar(
        select(Product).where(Product.store_id == g.store.id, Product.id == product_id)
    )
    if product is None:
        abort(404)
    state = state_of(g.store, product.id)
    state.restock_planned_on = planned
    db.session.commit()
    return render_template("inventory/_state_row.html", state=state, title=product.title)
