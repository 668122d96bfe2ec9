"""Merchant templates render in a sandbox: the known escapes are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import current_app

from ecomapp.extensions import db
from ecomapp.mail import MailRequest, send_email
from ecomapp.models import Message
from tests.factories import make_store

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ namespace.__init__.__globals__ }}",
    "{% include '/etc/passwd' %}",
    "{% import '/etc/passwd' as p %}",
    "{% extends '/etc/passwd' %}",
    "{{ '{0.__class__.__mro__}'.format(1) }}",
    "{{ customer|attr('__class__') }}",
    "{{ 'x' * 100000000 }}",
    "{{ 9 ** 99999 }}",
]


def _send(body: str) -> Message:
    store = make_store()
    message = send_email(
        store,
        MailRequest(
            to="ann@example.com",
            template_key="welcome",
            idempotency_key="k",
            body=body,
            context={"customer": {"first_name": "Ann"}},
        ),
    )
    db.session.commit()
    return message


@pytest.mark.parametrize("body", ESCAPES)
def test_escape_attempt_is_refused(body: str, run_jobs: Callable[[], None]) -> None:
    """Given a template that reaches for Python internals or files, then nothing is sent."""
    message = _send(body)
    run_jobs()
    row = db.session.get(Message, message.id)
    assert row.status == "failed"
    assert row.error.startswith(("not allowed in a template", "template error"))
    assert "root:" not in row.html and row.html == ""


@pytest.mark.parametrize("body", ["{{ config }}", "{{ request }}", "{{ g }}", "{{ url_for }}"])
def test_app_objects_are_not_reachable(body: str, run_jobs: Callable[[], None]) -> None:
    """Given a template naming Flask's config or request, then it renders nothing from them."""
    message = _send(body + " {{ customer.first_name }}")
    run_jobs()
    row = db.session.get(Message, message.id)
    assert row.status == "sent" and "Ann" in row.html
    secret = current_app.config["SECRET_KEY"]
    assert secret not in row.html and "SECRET_KEY" not in row.html and "Request" not in row.html


def test_variables_are_html_escaped(run_jobs: Callable[[], None]) -> None:
    """Given a customer name with markup, then the HTML part shows it as text."""
    store = make_store()
    message = send_email(
        store,
        MailRequest(
            to="ann@example.com",
            template_key="welcome",
            idempotency_key="k2",
            context={"customer": {"first_name": "<script>alert(1)</script>"}},
        ),
    )
    db.session.commit()
    assert "<script>alert(1)" not in message.html and "&lt;script&gt;" in message.html
