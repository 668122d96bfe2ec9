"""Panel pages: automations list, builder, recipes, run log, run detail and backtests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from ecomapp.admin.paging import paginate
from ecomapp.automation.backtest import run_backtest
from ecomapp.automation.condition_forms import (
    asked_row,
    blank_row,
    condition_tree,
    new_key,
    posted_tree,
    ref_options,
)
from ecomapp.automation.condition_words import skipped_because
from ecomapp.automation.fields import FIELDS, OPERATORS, QUANTIFIERS, REF_OPS, SIDE_OPS
from ecomapp.automation.form_errors import ShownError, describe, describe_form
from ecomapp.automation.forms import draft_definition, form_to_definition
from ecomapp.automation.library import get_automation, save_automation, set_enabled
from ecomapp.automation.recipes import RECIPES, build_recipe
from ecomapp.automation.registry import ACTIONS
from ecomapp.automation.runs import retry_run
from ecomapp.automation.schema import (
    SCHEDULE_EVENT,
    TRIGGER_EVENTS,
    InvalidAutomation,
    validate,
)
from ecomapp.automation.step_forms import (
    make_row,
    posted_row,
    row_key,
    rows_from_definition,
    rows_from_form,
)
from ecomapp.automation.tallies import recent_tallies, skip_reasons
from ecomapp.automation.why import explain
from ecomapp.extensions import db, htmx
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.mail.defaults import DEFAULT_TEMPLATES, LABELS
from ecomapp.models import Automation, Backtest, Event, MailTemplate, Run, RunStatus, RunStep
from ecomapp.models.types import utcnow

bp = Blueprint("automations", __name__, url_prefix="/automations")

PAGE = 100


def _options() -> dict[str, Any]:
    return {
        "fields": list(FIELDS),
        "field_types": FIELDS,
        "operators": list(OPERATORS),
        "quantifiers": QUANTIFIERS,
        "ref_options": ref_options,
        "ref_ops": REF_OPS,
        "side_ops": SIDE_OPS,
        "actions": _action_choices(g.store.platform),
        "trigger_events": [*TRIGGER_EVENTS, SCHEDULE_EVENT],
    }


def _action_choices(platform: str) -> list[tuple[str, str]]:
    """Return the builder's actions; one the store's platform cannot run says so."""
    return [
        (
            a.name,
            _(a.label)
            if a.supported_on(platform)
            else _("%(action)s (not on %(platform)s)", action=_(a.label), platform=platform),
        )
        for a in ACTIONS.values()
    ]


def _templates() -> list[tuple[str, str]]:
    """Return the e-mail templates a step may send: the defaults and the store's own."""
    custom = set(
        db.session.scalars(select(MailTemplate.key).where(MailTemplate.store_id == g.store.id))
    )
    keys = sorted(set(DEFAULT_TEMPLATES) | custom, key=lambda k: LABELS.get(k, k))
    mine = " " + _("(customised)")
    return [(k, _(LABELS.get(k, k)) + (mine if k in custom else "")) for k in keys]


def _counts(store_id: int, ids: list[int]) -> dict[int, dict[str, int]]:
    """Return 7-day run counts by status, and skips, of these automations (two queries)."""
    since = utcnow() - timedelta(days=7)
    rows = db.session.execute(
        select(Run.automation_id, Run.status, func.count())
        .where(Run.store_id == store_id, Run.automation_id.in_(ids), Run.started_at >= since)
        .group_by(Run.automation_id, Run.status)
    )
    out: dict[int, dict[str, int]] = {}
    for automation_id, status, count in rows:
        out.setdefault(automation_id, {})[status] = count
    for automation_id, tally in recent_tallies(store_id, 7).items():
        if automation_id not in ids:
            continue
        mine = out.setdefault(automation_id, {})
        if tally["skipped"]:
            mine["skipped"] = mine.get("skipped", 0) + tally["skipped"]
    return out


@bp.route("/")
def index() -> str:
    """List the store's automations a page at a time with on/off toggles and 7-day run counts.

    A fixed number of statements whatever the page holds: the count, the page's ids and rows,
    its run counts and its skip tallies.
    """
    stmt = select(Automation).where(Automation.store_id == g.store.id).order_by(Automation.id)
    pager = paginate(stmt)
    counts = _counts(g.store.id, [a.id for a in pager.items])
    return render_template(
        "automations/index.html", automations=pager.items, pager=pager, counts=counts
    )


def _owned(automation_id: int) -> Automation:
    automation = get_automation(g.store, automation_id)
    if automation is None:
        abort(404)
    return automation


@bp.route("/<int:automation_id>/toggle", methods=["POST"])
def toggle(automation_id: int) -> str:
    """Switch an automation on or off; return its row."""
    automation = _owned(automation_id)
    set_enabled(automation, not automation.enabled)
    db.session.commit()
    return render_template(
        "automations/_row.html",
        a=automation,
        counts=_counts(g.store.id, [automation.id]).get(automation.id, {}),
    )


def _builder(
    automation: Automation | None,
    definition: dict[str, Any],
    name: str,
    errors: list[ShownError] | None = None,
    status: int = 200,
    rows: list[dict[str, Any]] | None = None,
) -> tuple[str, int]:
    posted = rows is not None
    page = render_template(
        "automations/builder.html",
        automation=automation,
        name=name,
        definition=definition,
        conditions=_section(definition, "conditions", "cond", posted),
        exits=_section(definition, "exit_conditions", "exit", posted),
        steps=rows if rows is not None else rows_from_definition(definition, _templates()),
        errors=errors or [],
        backtests=_backtests(automation),
        **_options(),
        **(_activity(automation) if automation else {}),
    )
    return page, status


def _section(definition: dict[str, Any], name: str, prefix: str, posted: bool) -> dict[str, Any]:
    """Return a condition section's rows: as posted (a refused form) or from the definition."""
    if posted:
        return posted_tree(request.form, prefix)
    return condition_tree(definition.get(name), prefix)


RUN_PAGE = 20


def _activity(automation: Automation) -> dict[str, Any]:
    """Return the automation's recent runs (a page) and its 30-day counters."""
    stmt = select(Run).where(Run.store_id == g.store.id, Run.automation_id == automation.id)
    pager = paginate(stmt.order_by(Run.id.desc()), per_page=RUN_PAGE)
    tally = recent_tallies(g.store.id, 30).get(automation.id, {})
    since = utcnow() - timedelta(days=30)
    by_status = db.session.execute(
        select(Run.status, func.count())
        .where(Run.store_id == g.store.id, Run.automation_id == automation.id)
        .where(Run.started_at >= since)
        .group_by(Run.status)
    ).all()
    return {
        "runs": pager.items,
        "pager": pager,
        "names": {automation.id: automation.name},
        "tally": {"evaluated": 0, "matched": 0, "skipped": 0} | tally,
        "skipped_because": skipped_because(
            automation.definition, skip_reasons(automation.id, automation.version, 30)
        ),
        "run_statuses": dict(sorted((status, n) for status, n in by_status)),
    }


def _backtests(automation: Automation | None) -> list[Backtest]:
    if automation is None:
        return []
    return list(
        db.session.scalars(
            select(Backtest)
            .where(Backtest.store_id == g.store.id, Backtest.automation_id == automation.id)
            .order_by(Backtest.id.desc())
            .limit(3)
        )
    )


@bp.route("/new")
def new() -> tuple[str, int]:
    """Show an empty builder."""
    blank = {"trigger": {"event": "order.paid"}, "conditions": {"all": []}, "steps": []}
    return _builder(None, blank, "")


@bp.route("/<int:automation_id>")
def edit(automation_id: int) -> tuple[str, int]:
    """Show the builder for an automation."""
    automation = _owned(automation_id)
    return _builder(automation, automation.definition, automation.name)


def _parse(templates: list[tuple[str, str]]) -> dict[str, Any]:
    return form_to_definition(request.form, {key for key, _ in templates})


def _shown(exc: InvalidAutomation, templates: list[tuple[str, str]]) -> list[ShownError]:
    return describe_form(exc.errors, request.form, templates)


@bp.route("/new", methods=["POST"])
@bp.route("/<int:automation_id>", methods=["POST"])
def save(automation_id: int | None = None) -> Response | tuple[str, int]:
    """Validate and save the builder form; refuse with field errors when invalid."""
    automation = _owned(automation_id) if automation_id else None
    name = request.form.get("name", "")
    templates = _templates()
    try:
        definition = _parse(templates)
        automation = save_automation(g.store, name, definition, automation)
    except InvalidAutomation as exc:
        db.session.rollback()
        if htmx:  # the builder's Save button: show the errors in place
            return _refused(_shown(exc, templates))
        rows = rows_from_form(request.form, templates)
        draft = draft_definition(request.form)
        return _builder(automation, draft, name, _shown(exc, templates), 422, rows)
    db.session.commit()
    return _go(url_for("automations.edit", automation_id=automation.id, saved=1))


def _refused(errors: list[ShownError]) -> tuple[str, int]:
    """Return the errors partial: 200 for htmx (so it swaps in place), else 422."""
    page = render_template("automations/_errors.html", errors=errors, checked=True)
    return page, 200 if htmx else 422


def _go(url: str) -> Response:
    """Redirect: htmx gets HX-Redirect (an XHR would follow a 303 silently)."""
    if htmx:
        return Response("", 200, {"HX-Redirect": url})
    return redirect(url, 303)


@bp.route("/validate", methods=["POST"])
def validate_form() -> str:
    """Return the builder's inline validation messages."""
    templates = _templates()
    try:
        validate(_parse(templates))
        errors: list[ShownError] = []
    except InvalidAutomation as exc:
        errors = _shown(exc, templates)
    return render_template("automations/_errors.html", errors=errors, checked=True)


def _prefix() -> str:
    """Return the condition section a row is asked for (cond, exit or if_<key>)."""
    prefix = request.args.get("prefix", "cond")
    if prefix in ("cond", "exit") or (prefix.startswith("if_") and row_key(prefix[3:])):
        return prefix
    abort(400, "prefix is malformed")


@bp.route("/condition-row")
def condition_row() -> str:
    """Return one empty condition row of a builder section."""
    return render_template(
        "automations/_condition_row.html", c=blank_row(), prefix=_prefix(), **_options()
    )


@bp.route("/condition-operand")
def condition_operand() -> str:
    """Return a row's operand for its field, operator and "compare with" choice as they stand."""
    prefix, key = _prefix(), row_key(request.args.get("key")) or abort(400, "key is malformed")
    return render_template(
        "automations/_condition_operand.html",
        c=asked_row(request.args, prefix, key),
        p=prefix,
        k=key,
        current=request.args.get("trigger_event", ""),
        **_options(),
    )


@bp.route("/condition-group")
def condition_group() -> str:
    """Return a nested all/any group of a builder section, with one empty condition."""
    node = {"group": True, "mode": "any", "key": new_key(), "items": [blank_row()]}
    return render_template(
        "automations/_condition_node.html", node=node, prefix=_prefix(), **_options()
    )


@bp.route("/step-row")
def step_row() -> str:
    """Return a step row: a new one (Add action / wait / if-else), or a row whose kind changed."""
    key = row_key(request.args.get("step_key")) or new_key()
    kind = request.args.get("step_type") or request.args.get("type", "action")
    if kind == "branch":
        row = make_row(key, "branch") | {"then": [], "else": []}
        row["cond"] = condition_tree(
            {"all": [{"field": "order.total_price", "op": ">"}]}, f"if_{key}"
        )
        return render_template("automations/_step_row.html", s=row, **_options())
    row = posted_row(request.args, key, kind, _templates())
    return render_template("automations/_step_row.html", s=row, **_options())


@bp.route("/schedule-fields")
def schedule_fields() -> str:
    """Return the schedule inputs when the trigger is the schedule, else nothing."""
    shown = request.args.get("trigger_event") == SCHEDULE_EVENT
    return render_template("automations/_schedule.html", shown=shown, sch={})


@bp.route("/step-params")
def step_params() -> str:
    """Return the typed inputs of the action a step row now shows (values of shared names kept)."""
    key = row_key(request.args.get("step_key"))
    if key is None:
        abort(400, "step_key is missing or malformed")
    row = posted_row(request.args, key, "action", _templates())
    return render_template("automations/_step_params.html", s=row)


@bp.route("/recipes")
def recipes() -> str:
    """Show the recipe gallery."""
    from ecomapp.mail.reminder_policy import POLICIES, cart_reminder_policy

    policy = POLICIES[cart_reminder_policy(g.store)]
    return render_template(
        "automations/recipes.html", recipes=list(RECIPES.values()), reminder_policy=policy
    )


@bp.route("/recipes/<key>", methods=["POST"])
def from_recipe(key: str) -> Response | tuple[str, int]:
    """Create a (switched off) automation from a recipe and open it in the builder."""
    if key not in RECIPES:
        abort(404)
    try:
        name, definition = build_recipe(key, request.form.to_dict())
        automation = save_automation(g.store, name, definition, recipe_key=key)
    except InvalidAutomation as exc:
        db.session.rollback()
        return _refused(describe(exc.errors, []))
    db.session.commit()
    return _go(url_for("automations.edit", automation_id=automation.id))


@bp.route("/<int:automation_id>/backtest", methods=["POST"])
def backtest(automation_id: int) -> str:
    """Queue a backtest of the automation over the past N days; return its panel."""
    automation = _owned(automation_id)
    days = max(1, min(int(request.form.get("days") or 30), 730))
    bt = Backtest(
        store_id=g.store.id, automation_id=automation.id, version=automation.version, days=days
    )
    db.session.add(bt)
    db.session.flush()
    enqueue_after_commit(run_backtest, bt.id, store_id=g.store.id)
    db.session.commit()
    return render_template("automations/_backtest.html", bt=bt)


@bp.route("/backtests/<int:backtest_id>")
def backtest_result(backtest_id: int) -> str:
    """Return a backtest's panel (polled while it runs)."""
    bt = db.session.scalar(
        select(Backtest).where(Backtest.store_id == g.store.id, Backtest.id == backtest_id)
    )
    if bt is None:
        abort(404)
    return render_template("automations/_backtest.html", bt=bt)


@bp.route("/runs")
def runs() -> str:
    """List runs, filtered by automation and status."""
    stmt = select(Run).where(Run.store_id == g.store.id)
    automation_id = request.args.get("automation", type=int)
    status = request.args.get("status") or None
    if automation_id:
        stmt = stmt.where(Run.automation_id == automation_id)
    if status:
        stmt = stmt.where(Run.status == status)
    pager = paginate(stmt.order_by(Run.id.desc()), per_page=PAGE)
    names = dict(
        db.session.execute(
            select(Automation.id, Automation.name).where(Automation.store_id == g.store.id)
        ).all()
    )
    template = (
        "automations/_run_rows.html"
        if htmx and htmx.target == "run-rows"
        else "automations/runs.html"
    )
    return render_template(
        template,
        runs=pager.items,
        pager=pager,
        names=names,
        automation_id=automation_id,
        status=status,
        statuses=list(RunStatus),
    )


def _run(run_id: int) -> Run:
    run = db.session.scalar(select(Run).where(Run.store_id == g.store.id, Run.id == run_id))
    if run is None:
        abort(404)
    return run


@bp.route("/runs/<int:run_id>")
def run_detail(run_id: int) -> str:
    """Show a run with its condition trace and each step's outcome."""
    run = _run(run_id)
    steps = db.session.scalars(
        select(RunStep)
        .where(RunStep.store_id == g.store.id, RunStep.run_id == run.id)
        .order_by(RunStep.step)
    ).all()
    automation = db.session.get(Automation, run.automation_id)
    return render_template("automations/run.html", run=run, steps=steps, automation=automation)


@bp.route("/runs/<int:run_id>/retry", methods=["POST"])
def retry(run_id: int) -> Response:
    """Retry a failed run from its failed step."""
    run = _run(run_id)
    if not retry_run(run.id, g.store.id):
        abort(409, "Only a failed run can be retried.")
    return _go(url_for("automations.run_detail", run_id=run.id))


@bp.route("/events")
def events() -> str:
    """List the store's events a page at a time, each with its "why (not)" answer one click away."""
    stmt = select(Event).where(Event.store_id == g.store.id).order_by(Event.id.desc())
    pager = paginate(stmt, per_page=PAGE)
    return render_template("automations/events.html", events=pager.items, pager=pager)


@bp.route("/events/<int:event_id>")
def why(event_id: int) -> str:
    """Show, for one event, each triggered automation's run or why it did not fire."""
    event = db.session.scalar(
        select(Event).where(Event.store_id == g.store.id, Event.id == event_id)
    )
    if event is None:
        abort(404)
    return render_template("automations/why.html", event=event, verdicts=explain(g.store, event))
