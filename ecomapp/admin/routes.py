"""The panel's core pages: dashboard, mirror browsers, jobs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import refresh
from sqlalchemy import Select, select
from werkzeug.wrappers import Response

from ecomapp.admin.dashboard_figures import orders_by_month, store_counts, work_done
from ecomapp.admin.nav import nav_items
from ecomapp.admin.paging import page_args, paginate
from ecomapp.admin.search import search_customers
from ecomapp.admin.webhook_secret import panel as webhook_panel
from ecomapp.admin.webhook_secret import rotate
from ecomapp.extensions import db, htmx
from ecomapp.jobs.runner import retry_record
from ecomapp.mirror.kinds import InvalidRule, rule_of, set_rule
from ecomapp.models import Customer, JobRecord, JobStatus, Order

bp = Blueprint("admin", __name__)


@bp.app_context_processor
def inject_nav() -> dict[str, object]:
    """Expose the navigation and the pager's link helper to every template."""
    return {"nav_items": nav_items, "page_args": page_args}


@bp.route("/health")
def health() -> dict[str, str]:
    """Answer the platform's health check."""
    return {"status": "ok"}


@bp.route("/")
def dashboard() -> str:
    """Show the store's counts and orders over time."""
    return render_template(
        "admin/dashboard.html",
        counts=store_counts(g.store),
        done=work_done(g.store),
        months=orders_by_month(g.store),
        failed_jobs=db.session.scalars(_jobs_stmt(JobStatus.FAILED.value).limit(5)).all(),
    )


@bp.route("/customers")
def customers() -> str:
    """List the store's customers a page at a time, searchable by e-mail or name."""
    q = request.args.get("q", "").strip()
    stmt = select(Customer).where(Customer.store_id == g.store.id)
    if q:
        stmt = search_customers(stmt, q)
    pager = paginate(stmt.order_by(Customer.total_spent.desc(), Customer.id.desc()))
    template = (
        "admin/_customer_results.html"
        if htmx and htmx.target == "results"
        else "admin/customers.html"
    )
    return render_template(template, customers=pager.items, pager=pager, q=q)


@bp.route("/customers/<int:customer_id>")
def customer(customer_id: int) -> str:
    """Show one customer of the store with their orders a page at a time, latest first."""
    found = db.session.scalar(
        select(Customer).where(Customer.store_id == g.store.id, Customer.id == customer_id)
    )
    if found is None:
        abort(404)
    stmt = select(Order).where(Order.store_id == g.store.id, Order.customer_id == found.id)
    pager = paginate(stmt.order_by(Order.placed_at.desc(), Order.id.desc()))
    return render_template("admin/customer.html", customer=found, orders=pager.items, pager=pager)


@bp.route("/orders")
def orders() -> str:
    """List the store's orders a page at a time, latest first."""
    stmt = select(Order).where(Order.store_id == g.store.id)
    pager = paginate(stmt.order_by(Order.placed_at.desc(), Order.id.desc()))
    return render_template("admin/orders.html", orders=pager.items, pager=pager)


def _jobs_stmt(status: str | None) -> Select[Any]:
    stmt = select(JobRecord).where(JobRecord.store_id == g.store.id)
    if status:
        stmt = stmt.where(JobRecord.status == status)
    return stmt.order_by(JobRecord.id.desc())


@bp.route("/jobs")
def jobs() -> str:
    """List the store's background jobs with their outcome and errors."""
    status = request.args.get("status") or None
    pager = paginate(_jobs_stmt(status))
    return render_template(
        "admin/jobs.html", jobs=pager.items, pager=pager, status=status, statuses=list(JobStatus)
    )


@bp.route("/jobs/<int:record_id>/retry", methods=["POST"])
def retry_job(record_id: int) -> str:
    """Enqueue a failed job again and return its updated row."""
    if not retry_record(record_id, g.store.id):
        abort(404)
    record = db.session.get(JobRecord, record_id)
    return render_template("admin/_job_row.html", job=record)


@bp.route("/settings", methods=["GET", "POST"])
def store_settings() -> tuple[str, int] | str:
    """Show and save the store's automation settings; refuse invalid values by field."""
    from ecomapp.admin import settings_fields as model

    values = model.current_values(g.store)
    errors: dict[str, str] = {}
    if request.method == "POST":
        submitted, errors = model.parse(request.form.to_dict())
        values |= {k: request.form.get(k, "") for k in errors}
        if not errors:
            g.store.settings = g.store.settings | submitted
            db.session.commit()
            refresh()  # the page that answers is already in the language just chosen
            values = model.current_values(g.store)
    page = render_template(
        "admin/settings.html",
        settings=model.SETTINGS,
        reminder_policies=model.POLICIES,
        values=values,
        errors=errors,
        saved=request.method == "POST" and not errors,
        b2b=rule_of(g.store),
        webhook=webhook_panel(g.store),
    )
    return (page, 422) if errors else page


@bp.route("/settings/webhook-secret/rotate", methods=["POST"])
def rotate_webhook_secret() -> Response:
    """Rotate the store's webhook signature secret once (a repeated submit changes nothing)."""
    seen = request.form.get("generation", type=int)
    if seen is None:
        abort(400, "generation is missing")
    rotated = rotate(g.store.id, seen)
    db.session.commit()
    target = url_for("admin.store_settings", rotated=int(rotated)) + "#webhook-secret"
    return Response("", 200, {"HX-Redirect": target}) if htmx else redirect(target, 303)


@bp.route("/settings/b2b", methods=["POST"])
def b2b_rule() -> tuple[str, int] | str:
    """Save the B2B rule and reclassify every customer of the store in one UPDATE."""
    from ecomapp.admin import settings_fields as model

    form = request.form
    data = {"company": form.get("b2b_company") == "on", "roles": form.get("b2b_roles", "")}
    data["tags"] = form.get("b2b_tags", "")
    errors, changed = {}, None
    try:
        changed = set_rule(g.store, data)
        db.session.commit()
    except InvalidRule as exc:
        db.session.rollback()
        errors[f"b2b_{exc.field}"] = f"B2B rule, {exc}"
    page = render_template(
        "admin/settings.html",
        settings=model.SETTINGS,
        reminder_policies=model.POLICIES,
        values=model.current_values(g.store),
        errors=errors,
        saved=False,
        b2b=rule_of(g.store),
        reclassified=changed,
        webhook=webhook_panel(g.store),
    )
    return (page, 422) if errors else page


from ecomapp.admin import auth  # noqa: E402,F401  (sign-in and store loading join bp)
