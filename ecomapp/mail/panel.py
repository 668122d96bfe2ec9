"""The panel's Email pages: dashboard, outbox, templates with preview and test, settings."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from ecomapp.admin.paging import paginate
from ecomapp.extensions import db
from ecomapp.mail.api import MailRequest, send_email
from ecomapp.mail.chart import chart
from ecomapp.mail.compose import TemplateSource, render_parts, template_source
from ecomapp.mail.defaults import DEFAULT_TEMPLATES, LABELS
from ecomapp.mail.effective_settings import BACKEND_CHOICES, effective_settings, settings_row
from ecomapp.mail.provider_hooks import hook_url
from ecomapp.mail.results import automation_stats, daily_series
from ecomapp.mail.sample import sample_variables
from ecomapp.mail.sandbox import MailTemplateError, check_syntax, refusal
from ecomapp.mail.settings_form import save_settings
from ecomapp.models import MailTemplate, Message, MessageStatus, Suppression

bp = Blueprint("mail", __name__, url_prefix="/email")
PAGE_SIZE = 50


@bp.route("/")
def dashboard() -> str:
    """Show per-automation results and a chart of sends and revenue over time."""
    bars, points = chart(daily_series(g.store))
    problems = db.session.scalars(
        select(Message)
        .where(
            Message.store_id == g.store.id,
            Message.status.in_([MessageStatus.FAILED.value, MessageStatus.UNCERTAIN.value]),
        )
        .order_by(Message.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "mail/dashboard.html",
        stats=automation_stats(g.store),
        bars=bars,
        points=points,
        problems=problems,
        settings=effective_settings(g.store),
    )


@bp.route("/messages")
def messages() -> str:
    """List the store's messages (the outbox), newest first, by status."""
    status = request.args.get("status") or None
    stmt = select(Message).where(Message.store_id == g.store.id)
    if status:
        stmt = stmt.where(Message.status == status)
    pager = paginate(stmt.order_by(Message.id.desc()), per_page=PAGE_SIZE)
    return render_template(
        "mail/messages.html",
        messages=pager.items,
        pager=pager,
        status=status,
        statuses=list(MessageStatus),
    )


@bp.route("/messages/<int:message_id>")
def message(message_id: int) -> str:
    """Show one message: headers, HTML (sandboxed frame) and text."""
    row = db.session.get(Message, message_id)
    if row is None or row.store_id != g.store.id:
        abort(404)
    return render_template("mail/message.html", message=row)


@bp.route("/templates")
def templates() -> str:
    """List the templates: every default, and which ones the merchant changed."""
    custom = set(
        db.session.scalars(select(MailTemplate.key).where(MailTemplate.store_id == g.store.id))
    )
    keys = sorted(DEFAULT_TEMPLATES)
    return render_template("mail/templates.html", keys=keys, labels=LABELS, custom=custom)


def _custom(key: str) -> MailTemplate | None:
    return db.session.scalar(
        select(MailTemplate).where(MailTemplate.store_id == g.store.id, MailTemplate.key == key)
    )


@bp.route("/templates/<key>", methods=["GET", "POST"])
def template(key: str) -> str | Response:
    """Edit a template; saving refuses text that does not parse, naming the line."""
    if key not in DEFAULT_TEMPLATES:
        abort(404)
    source = template_source(g.store, key)
    errors: dict[str, str] = {}
    if request.method == "POST":
        source = _form_source()
        errors = _problems(source)
        if not errors:
            row = _custom(key) or MailTemplate(store_id=g.store.id, key=key)
            row.subject, row.html, row.text = source.subject, source.html, source.text
            db.session.add(row)
            db.session.commit()
            return redirect(url_for("mail.template", key=key, saved=1))
    return render_template(
        "mail/template.html",
        key=key,
        label=LABELS.get(key, key),
        source=source,
        errors=errors,
        preview=_preview(source),
        customised=_custom(key) is not None,
    )


def _problems(source: TemplateSource) -> dict[str, str]:
    """Return, per part, why it cannot be saved: a syntax error, or what the sandbox refuses."""
    variables = sample_variables(g.store)
    problems: dict[str, str] = {}
    for name, autoescape in (("subject", False), ("html", True), ("text", False)):
        text = getattr(source, name)
        reason = check_syntax(text) or refusal(text, variables, autoescape=autoescape)
        if reason:
            problems[name] = reason
    return problems


def _part(name: str) -> str:
    return request.form.get(name, "")


def _form_source() -> TemplateSource:
    return TemplateSource(_part("subject"), _part("html"), _part("text"))


def _preview(source: TemplateSource) -> dict[str, str]:
    try:
        rendered = render_parts(
            g.store, source, sample_variables(g.store), effective_settings(g.store), None, True
        )
    except MailTemplateError as exc:
        return {"error": str(exc)}
    return {"subject": rendered.subject, "html": rendered.html, "text": rendered.text}


@bp.route("/templates/<key>/preview", methods=["POST"])
def preview(key: str) -> str:
    """Render the draft with sample data (htmx partial)."""
    return render_template("mail/_preview.html", preview=_preview(_form_source()))


@bp.route("/templates/<key>/reset", methods=["POST"])
def reset_template(key: str) -> Response:
    """Drop the merchant's version and go back to the default."""
    row = _custom(key)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
    return redirect(url_for("mail.template", key=key))


@bp.route("/templates/<key>/test", methods=["POST"])
def send_test(key: str) -> str:
    """Send the saved template with sample data to an address (htmx partial)."""
    to = request.form.get("to", "").strip()
    if "@" not in to:
        return render_template("mail/_test_result.html", error="Enter an e-mail address.")
    message = send_email(
        g.store,
        MailRequest(
            to=to,
            template_key=key,
            idempotency_key=f"test:{uuid.uuid4().hex}",
            context=sample_variables(g.store) | {"test": True},
        ),
    )
    db.session.commit()
    return render_template("mail/_test_result.html", message=message)


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> str:
    """Choose the delivery backend and set branding, footer and sending rules."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = save_settings(g.store, request.form)
        if not errors:
            db.session.commit()
    return render_template(
        "mail/settings.html",
        row=settings_row(g.store),
        effective=effective_settings(g.store),
        choices=BACKEND_CHOICES,
        errors=errors,
        saved=request.method == "POST" and not errors,
        hook_url=hook_url(g.store),
    )


@bp.route("/suppressions")
def suppressions() -> str:
    """List the store's suppressed addresses a page at a time."""
    stmt = select(Suppression).where(Suppression.store_id == g.store.id)
    pager = paginate(stmt.order_by(Suppression.id.desc()), per_page=PAGE_SIZE)
    return render_template("mail/suppressions.html", rows=pager.items, pager=pager)
