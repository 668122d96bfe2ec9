"""The panel's fraud review page: Approve releases the hold, Fraud keeps the label."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from sqlalchemy import select

from ecomapp.admin.paging import paginate
from ecomapp.extensions import db
from ecomapp.fraud_review.queue import OPEN, decided_by_month, open_items, open_verdicts
from ecomapp.models import Order, RiskVerdict
from ecomapp.platforms.registry import get_adapter

bp = Blueprint("fraud_review", __name__, url_prefix="/fraud")


@bp.route("/")
def queue() -> str:
    """Show risky orders awaiting review, a page at a time, and the decisions made per month."""
    pager = paginate(open_verdicts(g.store))
    return render_template(
        "fraud_review/queue.html",
        items=open_items(g.store, list(pager.items)),
        pager=pager,
        months=decided_by_month(g.store),
    )


def _open_verdict(verdict_id: int) -> RiskVerdict:
    verdict = db.session.scalar(
        select(RiskVerdict).where(RiskVerdict.id == verdict_id, RiskVerdict.store_id == g.store.id)
    )
    if verdict is None:
        abort(404)
    if verdict.decision not in OPEN:
        abort(409, "this order was already decided")
    return verdict


@bp.route("/<int:verdict_id>/approve", methods=["POST"])
def approve(verdict_id: int) -> str:
    """Release a held order on the platform and record the approval."""
    verdict = _open_verdict(verdict_id)
    if verdict.decision == "held":
        order = db.session.get(Order, verdict.order_id)
        assert order is not None  # the verdict row goes with its order
        get_adapter(g.store.platform).release_fulfillment(g.store, order.platform_id)
    verdict.decision = "approved"
    db.session.commit()
    return render_template("fraud_review/_decided.html", verdict=verdict)


@bp.route("/<int:verdict_id>/fraud", methods=["POST"])
def confirm_fraud(verdict_id: int) -> str:
    """Label the order as confirmed fraud (its hold stays in place)."""
    verdict = _open_verdict(verdict_id)
    verdict.decision = "fraud"
    db.session.commit()
    return render_template("fraud_review/_decided.html", verdict=verdict)
