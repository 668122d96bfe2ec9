"""Panel pages: segment list with sizes, builder, trend chart, paged members and why in/out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select
from werkzeug.wrappers import Response

from ecomapp.admin.paging import paginate
from ecomapp.automation.fields import OPERATORS, QUANTIFIERS
from ecomapp.automation.form_errors import ShownError, describe
from ecomapp.automation.forms import condition_rows, conditions_from_form
from ecomapp.automation.schema import InvalidAutomation
from ecomapp.extensions import db, htmx
from ecomapp.insights.groups import active_run
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import Customer, Segment, SegmentDay, SegmentMember
from ecomapp.models.types import utcnow
from ecomapp.platforms.registry import get_adapter
from ecomapp.segments.explain import explain
from ecomapp.segments.fields import RFM_GROUPS, SEGMENT_FIELDS, validate_conditions
from ecomapp.segments.groups import keep_as_group
from ecomapp.segments.jobs import COMPUTE
from ecomapp.segments.library import get_segment, save_segment, tag_of
from ecomapp.segments.tags import start_tag_push
from ecomapp.segments.trend import trend

bp = Blueprint("segments", __name__, url_prefix="/segments")

TREND_DAYS = 90


def _options() -> dict[str, Any]:
    return {
        "fields": list(SEGMENT_FIELDS),
        "field_types": SEGMENT_FIELDS,
        "operators": [op for op in OPERATORS if op != "changed"],
        "quantifiers": QUANTIFIERS,
        "rfm_groups": RFM_GROUPS,
    }


def _owned(segment_id: int) -> Segment:
    segment = get_segment(g.store, segment_id)
    if segment is None:
        abort(404)
    return segment


@bp.route("/")
def index() -> str:
    """List the store's segments with their sizes."""
    segments = db.session.scalars(
        select(Segment).where(Segment.store_id == g.store.id).order_by(Segment.name)
    ).all()
    return render_template("segments/index.html", segments=segments)


def _builder(
    segment: Segment | None, name: str, conditions: dict[str, Any], errors: list[ShownError]
) -> str:
    mode, rows = condition_rows({"conditions": conditions})
    return render_template(
        "segments/builder.html",
        segment=segment,
        name=name,
        match=mode,
        conditions=rows,
        errors=errors,
        **_options(),
    )


def _posted() -> dict[str, Any]:
    return conditions_from_form(request.form, SEGMENT_FIELDS)


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:segment_id>/edit", methods=["GET", "POST"])
def edit(segment_id: int | None = None) -> Response | str | tuple[str, int]:
    """Show the builder; on POST validate and save, or show the errors naming each field."""
    segment = _owned(segment_id) if segment_id else None
    if request.method == "GET":
        conditions = segment.conditions if segment else {"all": []}
        return _builder(segment, segment.name if segment else "", conditions, [])
    name = request.form.get("name", "")
    try:
        segment = save_segment(g.store, name, _posted(), segment)
    except InvalidAutomation as exc:
        db.session.rollback()
        shown = describe(exc.errors, [])
        if htmx:
            return render_template("automations/_errors.html", errors=shown, checked=True)
        return _builder(segment, name, _draft(), shown), 422
    db.session.commit()
    target = url_for("segments.show", segment_id=segment.id)
    return Response("", 200, {"HX-Redirect": target}) if htmx else redirect(target, 303)


def _draft() -> dict[str, Any]:
    try:
        return _posted()
    except InvalidAutomation:
        return {"all": []}


@bp.route("/validate", methods=["POST"])
def validate_form() -> str:
    """Return the builder's inline validation messages."""
    errors: list[ShownError] = []
    try:
        validate_conditions(_posted())
    except InvalidAutomation as exc:
        errors = describe(exc.errors, [])
    return render_template("automations/_errors.html", errors=errors, checked=True)


@bp.route("/condition-row")
def condition_row() -> str:
    """Return one empty condition row for the builder."""
    row = {"field": "customer.orders_count", "op": ">=", "value": "", "quantifier": "any"}
    return render_template("automations/_condition_row.html", c=row | {"extra": ""}, **_options())


@bp.route("/<int:segment_id>")
def show(segment_id: int) -> str:
    """Show a segment: size, trend over time, members a page at a time, why in or out."""
    segment = _owned(segment_id)
    days = db.session.execute(
        select(SegmentDay.day, SegmentDay.members)
        .where(SegmentDay.segment_id == segment.id, SegmentDay.store_id == g.store.id)
        .order_by(SegmentDay.day.desc())
        .limit(TREND_DAYS)
    ).all()
    points, line = trend([(d, m) for d, m in reversed(days)])
    members = (
        select(Customer)
        .join(SegmentMember, SegmentMember.customer_id == Customer.id)
        .where(SegmentMember.segment_id == segment.id, Customer.store_id == g.store.id)
        .order_by(Customer.id)
    )
    pager = paginate(members)
    return render_template(
        "segments/show.html",
        segment=segment,
        tag=tag_of(segment),
        has_groups=get_adapter(g.store.platform).has_customer_groups,
        points=points,
        line=line,
        members=pager.items,
        pager=pager,
    )


def _find_customer(text: str) -> Customer | None:
    text = text.strip()
    if not text:
        return None
    match = func.lower(Customer.email) == text.lower()
    first: Any = Customer.id  # an id beats a platform id that happens to be the same number
    if text.isdigit():
        match = or_(match, Customer.id == int(text), Customer.platform_id == text)
        first = case((Customer.id == int(text), 0), else_=1)
    return db.session.scalar(
        select(Customer).where(Customer.store_id == g.store.id, match).order_by(first).limit(1)
    )


@bp.route("/<int:segment_id>/why")
def why(segment_id: int) -> tuple[str, int] | str:
    """Say whether a customer is in the segment, and trace each condition with its value."""
    segment = _owned(segment_id)
    customer = _find_customer(request.args.get("customer", ""))
    if customer is None:
        page = render_template("segments/_why.html", missing=request.args.get("customer", ""))
        return page, 404
    member, holds, trace = explain(customer, segment.id, segment.conditions, utcnow())
    return render_template(
        "segments/_why.html", customer=customer, member=member, holds=holds, trace=trace
    )


@bp.route("/<int:segment_id>/push-tag", methods=["POST"])
def push_tag(segment_id: int) -> Response | tuple[str, int]:
    """Start putting the segment's tag on exactly its members at the platform (Groups page)."""
    segment = _owned(segment_id)
    if active_run(g.store) is not None:
        return _("A group run is still going: wait for it to finish."), 409
    start_tag_push(g.store, segment)
    return redirect(url_for("insights.index"), 303)


@bp.route("/<int:segment_id>/platform-group", methods=["POST"])
def platform_group(segment_id: int) -> Response | tuple[str, int]:
    """Tag the members and keep a customer segment on that tag at the platform (Shopify)."""
    segment = _owned(segment_id)
    if not get_adapter(g.store.platform).has_customer_groups:
        return _("This platform has no customer groups: use the tag."), 409
    if active_run(g.store) is not None:
        return _("A group run is still going: wait for it to finish."), 409
    keep_as_group(g.store, segment)
    return redirect(url_for("insights.index"), 303)


@bp.route("/<int:segment_id>/recompute", methods=["POST"])
def recompute_now(segment_id: int) -> Response:
    """Queue a recomputation of the segment over every customer."""
    segment = _owned(segment_id)
    enqueue_after_commit(COMPUTE, segment.id, store_id=g.store.id)
    db.session.commit()
    return redirect(url_for("segments.show", segment_id=segment.id), 303)
