"""Merchant templates cannot exhaust a worker: every blow-up is refused quickly, saying why,
in the editor's preview and save and in the worker that renders a mail; normal ones render."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail import MailRequest, send_email
from ecomapp.models import MailTemplate, Message
from tests.factories import make_store
from tests.mail_support import csrf_headers

LOOPS = "{% for a in range(999) %}{% for b in range(999) %}{% for c in range(999) %}x"
LOOPS_END = "{% endfor %}{% endfor %}{% endfor %}"
# (template, what the refusal says): sixteen ways to ask a render for too much.
EXHAUSTING = {
    "center-filter": ("{{ 'x'|center(999999999) }}", "'center' of that width"),
    "center-method": ("{{ 'x'.center(999999999) }}", "'center' of that width"),
    "ljust-method": ("{{ 'x'.ljust(999999999) }}", "'ljust' of that width"),
    "format-filter": ("{{ '%999999999s'|format('x') }}", "format width or precision"),
    "percent-operator": ("{{ '%.999999999f' % 1.5 }}", "format width or precision"),
    "str-format": ("{{ '{:>999999999}'.format('x') }}", "format width or precision"),
    "string-times": ("{{ 'x' * 999999999 }}", "repetition would be longer"),
    "list-times": ("{{ [1, 2] * 999999999 }}", "repetition would be longer"),
    "replace-method": ("{{ ('x' * 50000).replace('x', 'y' * 50000) }}", "'replace' would be"),
    "replace-filter": ("{{ ('x' * 50000)|replace('x', 'y' * 50000) }}", "'replace' would be"),
    "join-filter": ("{{ ('x' * 50000)|join('y' * 50000) }}", "'join' would be"),
    "big-power": ("{{ (9 ** 999) ** 999 }}", "more than 10,000 bits"),
    "nested-loops": (LOOPS + LOOPS_END, "more than 50,000 loop steps"),
    "loops-in-a-macro": (
        "{% macro m() %}" + LOOPS + LOOPS_END + "{% endmacro %}{{ m() }}",
        "more than 50,000 loop steps",
    ),
    "recursive-macro": (
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
        "nest deeper than 25 levels",
    ),
    "doubling-macro": (
        "{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% else %}{{ s }}{% endif %}"
        "{% endmacro %}{{ f('x', 60) }}",
        "an argument would be longer",
    ),
}
MORE = {
    "huge-range": ("{{ range(999999999)|list }}", "range() of more than 1,000"),
    "loop-over-a-long-string": ("{% for c in 'x' * 90000 %}y{% endfor %}", "a loop over 90,000"),
    "indent": ("{{ 'a\nb'|indent(999999999) }}", "'indent' would be"),
    "recursive-loop": (
        "{% for c in 'ab' recursive %}{{ loop('ab') }}{% endfor %}",
        "nest deeper than 25 levels",
    ),
    "batch": ("{{ [1]|batch(999999999, 'x')|list }}", "'batch' into more than"),
}
NORMAL = (
    "<p>Hi {{ customer.first_name|title }},</p>"
    "{% for i in range(3) %}<span>{{ '%02d'|format(i) }}</span>{% endfor %}"
    "<p>{{ order.name }} {{ '{:>6}'.format('ok') }} {{ ['a', 'b']|join('+') }}</p>"
)


def _preview(client: FlaskClient, body: str) -> str:
    form = {"subject": "Hello", "html": body, "text": ""}
    reply = client.post("/email/templates/welcome/preview", data=form, headers=csrf_headers(client))
    assert reply.status_code == 200
    return html.unescape(reply.get_data(as_text=True))


@pytest.mark.parametrize(("body", "reason"), EXHAUSTING.values(), ids=EXHAUSTING.keys())
def test_exhausting_template_is_refused_in_the_preview_saying_why(
    client: FlaskClient, body: str, reason: str
) -> None:
    """Given a draft asking for a huge string, endless loops or deep recursion, when the editor
    previews it, then the preview shows the refusal and its reason instead of rendering."""
    make_store()
    page = _preview(client, body)
    assert 'data-testid="preview-error"' in page
    assert "not allowed in a template" in page and reason in page


@pytest.mark.parametrize(("body", "reason"), MORE.values(), ids=MORE.keys())
def test_other_amplifiers_are_refused_too(client: FlaskClient, body: str, reason: str) -> None:
    """Given a draft with a huge range, a long loop, indent, a recursive loop or batch, then
    the preview shows why it is refused."""
    make_store()
    page = _preview(client, body)
    assert 'data-testid="preview-error"' in page and reason in page


@pytest.mark.parametrize("kind", ["center-filter", "nested-loops", "recursive-macro"])
def test_exhausting_template_is_not_saved_and_the_editor_says_why(
    client: FlaskClient, kind: str
) -> None:
    """Given an exhausting HTML body, when the merchant saves, then nothing is saved and the
    HTML field shows the reason."""
    make_store()
    body, reason = EXHAUSTING[kind]
    form = {"subject": "Hello", "html": body, "text": ""}
    reply = client.post("/email/templates/welcome", data=form, headers=csrf_headers(client))
    page = html.unescape(reply.get_data(as_text=True))
    assert reply.status_code == 200 and "HTML: not allowed in a template" in page
    assert reason in page
    assert db.session.scalar(select(MailTemplate)) is None


def test_worker_refuses_exhausting_templates_and_keeps_sending(
    run_jobs: Callable[[], None],
) -> None:
    """Given mails whose bodies are each exhausting template, when the worker renders them,
    then each fails with its reason, and a normal mail queued after them is still sent."""
    store = make_store()
    sent = []
    for index, (body, _) in enumerate(EXHAUSTING.values()):
        request = MailRequest("ann@example.com", "welcome", f"k{index}", body=body)
        sent.append(send_email(store, request))
    normal = send_email(
        store,
        MailRequest(
            to="ann@example.com",
            template_key="welcome",
            idempotency_key="normal",
            body=NORMAL,
            context={"customer": {"first_name": "ann"}, "order": {"name": "#1001"}},
        ),
    )
    db.session.commit()
    run_jobs()
    rows = [db.session.get(Message, m.id) for m in sent]
    for row, (_, reason) in zip(rows, EXHAUSTING.values(), strict=True):
        assert row.status == "failed" and reason in row.error
    row = db.session.get(Message, normal.id)
    assert row.status == "sent" and "Hi Ann," in row.html and "#1001" in row.html


def test_normal_template_still_renders_with_loops_formats_and_joins(client: FlaskClient) -> None:
    """Given a template using a small range, format widths and a join, then it renders."""
    make_store()
    page = _preview(client, NORMAL)
    assert "preview-error" not in page
    assert "<span>00</span>" in page
    assert "a+b" in page and "    ok" in page


def test_render_deadline_refuses_a_template_still_running(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a render deadline configured to nothing (TEMPLATE_RENDER_SECONDS=0), when a
    template loops, then it is refused for taking too long, whatever its size."""
    settings = dataclasses.replace(app.config["SETTINGS"], template_render_seconds=0.0)
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    make_store()
    page = _preview(client, "{% for i in range(10) %}{{ i }}{% endfor %}")
    assert "takes longer than 0 s to render" in page
