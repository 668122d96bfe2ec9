"""Tuning pages of the fraud review: the scorer's settings, and the backtest of the last days."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from ecomapp.automation.fraud_screening import SETTINGS_KEY
from ecomapp.extensions import db
from ecomapp.fraud_review.labels import field_label, refusal_text
from ecomapp.fraud_review.panel import bp
from ecomapp.fraud_review.settings_form import LABELS, form_values, raw_from_form
from ecomapp.insights.fraud import InvalidFraudSettings, parse_settings
from ecomapp.insights.fraud.commands import run_backtest
from ecomapp.insights.fraud.settings import SIGNALS

MAX_DAYS = 365


def _settings_page(
    values: Mapping[str, object], errors: dict[str, str], status: int = 200
) -> Response:
    html = render_template(
        "fraud_review/settings.html",
        signals=SIGNALS,
        labels=LABELS,
        values=values,
        errors=errors,
        saved=request.method == "POST" and not errors,
    )
    return Response(html, status)


def _refusal(exc: InvalidFraudSettings) -> str:
    return f"{field_label(exc.field)}: {refusal_text(exc.message)}"


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Response:
    """Show the signals' switches and weights and the thresholds; save them when valid."""
    if request.method == "GET":
        current = parse_settings((g.store.settings or {}).get(SETTINGS_KEY))
        return _settings_page(form_values(current), {})
    values = {k: request.form.get(k, "") for k in request.form}
    try:
        raw = raw_from_form(request.form)
    except InvalidFraudSettings as exc:
        return _settings_page(values, {exc.field: refusal_text(exc.message)}, 400)
    g.store.settings = dict(g.store.settings or {}) | {SETTINGS_KEY: raw}
    flag_modified(g.store, "settings")
    db.session.commit()
    return _settings_page(form_values(parse_settings(raw)), {})


@bp.route("/backtest")
def backtest() -> Response:
    """Show what each setting would have flagged and held over the last N days.

    Opening the page shows the form alone: scoring every order of the period takes seconds to
    minutes on a large store, so it runs only when the merchant asks (`?days=N`).
    """
    if "days" not in request.args:
        return Response(render_template("fraud_review/backtest.html", days=30, rows=None))
    text = request.args.get("days", "")
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        message = _("days: must be a whole number from 1 to %(high)s", high=MAX_DAYS)
        html = render_template("fraud_review/backtest.html", error=message, days=text)
        return Response(html, 400)
    days = int(text)
    try:
        orders, fraud, rows = run_backtest(g.store, days)
    except InvalidFraudSettings as exc:
        html = render_template("fraud_review/backtest.html", error=_refusal(exc), days=text)
        return Response(html, 409)
    html = render_template(
        "fraud_review/backtest.html", days=days, orders=orders, fraud=fraud, rows=rows, error=None
    )
    return Response(html)
