"""The panel's fraud review page: Approve releases the hold, Cancel cancels as fraud."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, g, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from ecomapp.admin.paging import paginate
from ecomapp.extensions import db
from ecomapp.fraud_review.labels import HELPERS
from ecomapp.fraud_review.queue import OPEN, decided_by_month, open_items, open_verdicts
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.models import Order, RiskVerdict
from ecomapp.platforms.base import UnsupportedOperation
from ecomapp.platforms.registry import get_adapter

bp = Blueprint("fraud_review", __name__, url_prefix="/fraud")


@bp.context_processor
def _labels() -> dict[str, Callable[..., str]]:
    return HELPERS


@bp.route("/")
def queue() -> str:
    """Show risky orders awaiting review, a page at a time, and the decisions made per month."""
    pager = paginate(open_verdicts(g.store))
    months = decided_by_month(g.store)
    peak = max((max(fraud, approved) for _, fraud, approved in months), default=1)
    return render_template(
        "fraud_review/queue.html",
        items=open_items(g.store, list(pager.items)),
        pager=pager,
        months=months,
        peak=max(peak, 1),
    )


def _open_verdict(verdict_id: int) -> RiskVerdict:
    """Return the store's undecided verdict, locked: a second click waits, then gets 409."""
    verdict = db.session.scalar(
        select(RiskVerdict)
        .where(RiskVerdict.id == verdict_id, RiskVerdict.store_id == g.store.id)
        .with_for_update()
    )
    if verdict is None:
        abort(404)
    if verdict.decision not in OPEN:
        abort(409, _("this order was already decided"))
    return verdict


def _decide(verdict: RiskVerdict, decision: str, act: Callable[[str], None]) -> Response | str:
    """Run the platform call on the verdict's order, then keep the decision; refusals shown."""
    order = db.session.get(Order, verdict.order_id)
    assert order is not None  # the verdict row goes with its order
    try:
        act(order.platform_id)
    except (PermanentError, TransientError, UnsupportedOperation) as exc:
        db.session.rollback()
        html = render_template("fraud_review/_refused.html", verdict=verdict, error=str(exc))
        return Response(html, 409)
    verdict.decision = decision
    db.session.commit()
    return render_template("fraud_review/_decided.html", verdict=verdict)


@bp.route("/<int:verdict_id>/approve", methods=["POST"])
def approve(verdict_id: int) -> Response | str:
    """Release a held order on the platform and record the approval."""
    verdict = _open_verdict(verdict_id)
    adapter = get_adapter(g.store.platform)

    def release(platform_id: str) -> None:
        if verdict.decision == "held":
            adapter.release_fulfillment(g.store, platform_id)

    return _decide(verdict, "approved", release)


@bp.route("/<int:verdict_id>/cancel", methods=["POST"])
def cancel(verdict_id: int) -> Response | str:
    """Cancel the order on the platform as fraud (restocked) and keep the label `fraud`."""
    verdict = _open_verdict(verdict_id)
    adapter = get_adapter(g.store.platform)
    note = f"fraud risk {verdict.score}/100, confirmed by the merchant in ecomapp"
    return _decide(
        verdict,
        "fraud",
        lambda platform_id: adapter.cancel_order_as_fraud(g.store, platform_id, note),
    )


from ecomapp.fraud_review import backtests, tuning  # noqa: E402,F401  (their pages join bp)
