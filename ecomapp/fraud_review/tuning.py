"""Tuning page of the fraud review: the scorer's settings."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, g, render_template, request
from sqlalchemy.orm.attributes import flag_modified

from ecomapp.automation.fraud_screening import SETTINGS_KEY
from ecomapp.extensions import db
from ecomapp.fraud_review.labels import refusal_text
from ecomapp.fraud_review.panel import bp
from ecomapp.fraud_review.settings_form import LABELS, form_values, raw_from_form
from ecomapp.insights.fraud import InvalidFraudSettings, parse_settings
from ecomapp.insights.fraud.settings import SIGNALS


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
