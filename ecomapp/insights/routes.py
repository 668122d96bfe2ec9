"""Panel pages for whole-store group runs: start one, watch its progress."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ecomapp.automation.recipes import parse_ranges
from ecomapp.automation.schema import InvalidAutomation
from ecomapp.extensions import db
from ecomapp.insights.groups import active_run, check_ranges, start_run
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import Automation, GroupRun

bp = Blueprint("insights", __name__, url_prefix="/groups")

DEFAULT_RANGES = "1000-3000 = group 1\n3000-5000 = group 2\n5000- = group 3"


def _store_ranges() -> str:
    """Return the ranges of the store's spend-groups automation as text, or the recipe's."""
    automation = db.session.scalar(
        select(Automation).where(
            Automation.store_id == g.store.id, Automation.recipe_key == "spend_groups"
        )
    )
    steps = (automation.definition.get("steps") if automation else None) or []
    ranges: list[dict[str, Any]] = next(
        (s["params"]["ranges"] for s in steps if s.get("action") == "group_by_spend"), []
    )
    lines = [f"{r['min']}-{r.get('max') or ''} = {r['group']}" for r in ranges]
    return "\n".join(lines) or DEFAULT_RANGES


def _runs() -> list[GroupRun]:
    stmt = select(GroupRun).where(GroupRun.store_id == g.store.id)
    return list(db.session.scalars(stmt.order_by(GroupRun.id.desc()).limit(20)))


@bp.route("/", methods=["GET", "POST"])
def index() -> Response | tuple[str, int] | str:
    """Show group runs; on POST, apply spend ranges to every existing customer in a job."""
    text, error = request.form.get("ranges") or _store_ranges(), None
    if request.method == "POST" and active_run(g.store) is not None:
        error, status = _("a group run is still going: wait for it to finish"), 409
    elif request.method == "POST":
        status = 422
        try:
            ranges = check_ranges(parse_ranges(text))
        except (InvalidAutomation, ValueError) as exc:
            error = str(exc)
        else:
            run = start_run(g.store, ranges, label="Spend ranges")
            enqueue_after_commit("ecomapp.insights.groups:run_groups", run.id, store_id=g.store.id)
            db.session.commit()
            return redirect(url_for("insights.index"))
    page = render_template("insights/groups.html", runs=_runs(), ranges=text, error=error)
    return (page, status) if error else page


@bp.route("/runs/<int:run_id>")
def run_row(run_id: int) -> str:
    """Return one run's row with its progress (polled by htmx while it runs)."""
    run = db.session.get(GroupRun, run_id)
    if run is None or run.store_id != g.store.id:
        abort(404)
    return render_template("insights/_run_row.html", run=run)
