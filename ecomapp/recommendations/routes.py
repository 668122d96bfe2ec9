"""Panel: a product's recommendations, training runs and the retrain button with progress."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import Product, RecoRun
from ecomapp.recommendations.picks import for_product
from ecomapp.recommendations.training import active_run, start_run

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")


def _runs() -> list[RecoRun]:
    stmt = select(RecoRun).where(RecoRun.store_id == g.store.id).order_by(RecoRun.id.desc())
    return list(db.session.scalars(stmt.limit(10)))


def _product(raw: str | None) -> Product | None:
    if not raw or not raw.isdigit():
        return None
    product = db.session.get(Product, int(raw))
    return product if product is not None and product.store_id == g.store.id else None


@bp.route("/")
def index() -> str:
    """Show the training runs and, for a chosen product, its stored recommendations."""
    products = db.session.scalars(
        select(Product).where(Product.store_id == g.store.id).order_by(Product.title).limit(500)
    ).all()
    chosen = _product(request.args.get("product"))
    picks = for_product(g.store, chosen.id) if chosen else []
    return render_template(
        "recommendations/index.html",
        runs=_runs(),
        products=products,
        chosen=chosen,
        picks=picks,
    )


@bp.route("/train", methods=["POST"])
def train() -> Response | tuple[str, int]:
    """Start a training run in a job (refused while one is going)."""
    if active_run(g.store) is not None:
        return _("a training run is still going: wait for it to finish"), 409
    run = start_run(g.store, "panel")
    enqueue_after_commit("ecomapp.recommendations.training:train_run", run.id, store_id=g.store.id)
    db.session.commit()
    return redirect(url_for("recommendations.index"), 303)


@bp.route("/runs/<int:run_id>")
def run_row(run_id: int) -> str:
    """Return one run's row with its progress (polled by htmx while it runs)."""
    run = db.session.get(RecoRun, run_id)
    if run is None or run.store_id != g.store.id:
        abort(404)
    return render_template("recommendations/_run_row.html", run=run)
