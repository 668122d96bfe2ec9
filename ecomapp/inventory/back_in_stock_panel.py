"""Panel page "Back in stock": per product, how many shoppers wait (the demand signal)."""

from __future__ import annotations

from flask import Blueprint, Flask, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified
from werkzeug.wrappers import Response

from ecomapp.extensions import db
from ecomapp.inventory.back_in_stock import expiry_days, product_waiting
from ecomapp.registries import registries

bp = Blueprint("back_in_stock", __name__, url_prefix="/back-in-stock")
EXPIRER = "ecomapp.inventory.back_in_stock:expire_requests"


@bp.route("/", methods=["GET", "POST"])
def index() -> Response | tuple[str, int] | str:
    """List products with waiting shoppers; on POST, save after how many days requests lapse."""
    error = None
    if request.method == "POST":
        raw = (request.form.get("expiry_days") or "").strip()
        if raw.isdigit() and 1 <= int(raw) <= 365:
            g.store.settings = dict(g.store.settings or {}) | {
                "back_in_stock_expiry_days": int(raw)
            }
            flag_modified(g.store, "settings")
            db.session.commit()
            return redirect(url_for("back_in_stock.index"))
        error = "expiry_days: " + _("a whole number of days from 1 to 365")
    rows = product_waiting(g.store.id)
    page = render_template(
        "inventory/back_in_stock.html", rows=rows, days=expiry_days(g.store), error=error
    )
    return (page, 422) if error else page


def init_app(app: Flask) -> None:
    """Register the page, its navigation link and the daily expiry of old requests."""
    from ecomapp.admin.nav import NavItem

    reg = registries(app)
    reg.nav.append(NavItem("Back in stock", "back_in_stock.index", 80))
    reg.periodic[EXPIRER] = 3600
