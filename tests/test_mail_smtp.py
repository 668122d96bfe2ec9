"""Automation e-mail through a real SMTP server on loopback: once, well-formed, retried right."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from ecomapp.extensions import db
from ecomapp.jobs.runner import run_job
from ecomapp.mail import smtp
from ecomapp.models import DueWork, JobRecord, Message, Suppression, utcnow
from tests.factories import make_store
from tests.fakes.smtp_server import SmtpServer, running_smtp, self_signed_cert
from tests.mail_support import configure_mail, make_customer, queue_mail


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Run a recording SMTP server on a free loopback port."""
    with running_smtp() as server:
        yield server
    smtp.close_all()


def test_automation_email_reaches_the_server_once(
    smtp_server: SmtpServer, run_jobs: Callable[[], None]
) -> None:
    """Given an SMTP store, when an automation sends twice with one key, then one e-mail arrives."""
    store = make_store()
    configure_mail(store, backend="smtp", smtp_url=smtp_server.url)
    customer = make_customer(store)
    first = queue_mail(store, customer, key="auto:1:evt:9:step:0")
    again = queue_mail(store, customer, key="auto:1:evt:9:step:0")
    run_jobs()
    run_jobs()
    assert again.id == first.id
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].rcpt_tos == [customer.email]
    row = db.session.get(Message, first.id)
    assert row.status == "sent" and row.backend == "smtp" and row.sent_at is not None


def test_mime_structure_and_headers(smtp_server: SmtpServer, run_jobs: Callable[[], None]) -> None:
    """Given a marketing e-mail, then it is multipart/alternative with the RFC 8058 header pair."""
    store = make_store(name="Trail Co", settings={"address": "1 Pine St, Portland"})
    configure_mail(
        store, backend="smtp", smtp_url=smtp_server.url, from_address="Trail <hi@trail.test>"
    )
    customer = make_customer(store, first_name="Ann")
    message = queue_mail(store, customer)
    run_jobs()
    mail = smtp_server.received[0].email
    row = db.session.get(Message, message.id)
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["Message-ID"] == row.message_id_header and mail["Date"]
    assert (
        mail["Subject"] == "Welcome to Trail Co, Ann!" and mail["From"] == "Trail <hi@trail.test>"
    )
    assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/m/u/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Hi Ann" in text and "1 Pine St, Portland" in text and "/m/u/" in text
    assert "Hi Ann" in html and "1 Pine St, Portland" in html and "/m/o/" in html


def test_transactional_email_has_no_unsubscribe_header(
    smtp_server: SmtpServer, run_jobs: Callable[[], None]
) -> None:
    """Given a transactional e-mail to a customer without consent, then it goes, unlisted."""
    store = make_store()
    configure_mail(store, backend="smtp", smtp_url=smtp_server.url)
    customer = make_customer(store, consent=False)
    queue_mail(store, customer, kind="transactional", template_key="thank_you")
    run_jobs()
    mail = smtp_server.received[0].email
    assert "List-Unsubscribe" not in mail and "/m/u/" not in mail.as_string()


def test_authenticated_smtp_delivers_and_wrong_password_fails_permanently(
    run_jobs: Callable[[], None],
) -> None:
    """Given a server requiring AUTH, then the right login sends and a wrong one is recorded."""
    with running_smtp(users={"shop": "s3cret"}) as server:
        store = make_store()
        customer = make_customer(store)
        configure_mail(
            store, backend="smtp", smtp_url=f"smtp://shop:s3cret@127.0.0.1:{server.port}"
        )
        good = queue_mail(store, customer, kind="transactional")
        run_jobs()
        db.session.get(Message, good.id)
        smtp.close_all()
        other = make_store()
        configure_mail(other, backend="smtp", smtp_url=f"smtp://shop:wrong@127.0.0.1:{server.port}")
        bad = queue_mail(other, make_customer(other), kind="transactional")
        run_jobs()
        assert len(server.received) == 1
    smtp.close_all()
    assert db.session.get(Message, good.id).status == "sent"
    failed = db.session.get(Message, bad.id)
    assert failed.status == "failed" and "authentication failed" in failed.error


def test_starttls_is_used_when_required(tmp_path: Path, run_jobs: Callable[[], None]) -> None:
    """Given a server that requires STARTTLS, then the mail goes over TLS with a verified cert."""
    cert, key = self_signed_cert(tmp_path)
    with running_smtp(users={"shop": "pw"}, tls=(cert, key)) as server:
        store = make_store()
        url = f"smtp+starttls://shop:pw@127.0.0.1:{server.port}/?cafile={cert}"
        configure_mail(store, backend="smtp", smtp_url=url)
        message = queue_mail(store, make_customer(store), kind="transactional")
        run_jobs()
        smtp.close_all()
        assert len(server.received) == 1
    assert db.session.get(Message, message.id).status == "sent"


def test_connection_is_reused_across_a_batch(app: Flask, smtp_server: SmtpServer) -> None:
    """Given three messages delivered as one batch, then one SMTP connection carries them."""
    store = make_store()
    configure_mail(store, backend="smtp", smtp_url=smtp_server.url)
    ids = [queue_mail(store, make_customer(store), kind="transactional").id for _ in range(3)]
    run_job("ecomapp.mail.delivery:deliver_batch", [ids], store.id)
    assert len(smtp_server.received) == 3
    assert smtp_server.handler.connections == 1


def test_rejected_recipient_is_a_hard_bounce_and_suppressed(
    smtp_server: SmtpServer, run_jobs: Callable[[], None]
) -> None:
    """Given a 550 at RCPT, then the message fails, the address is suppressed, later mail stops."""
    store = make_store()
    configure_mail(store, backend="smtp", smtp_url=smtp_server.url)
    customer = make_customer(store)
    smtp_server.handler.reject.add(customer.email)
    first = queue_mail(store, customer, kind="transactional")
    run_jobs()
    row = db.session.get(Message, first.id)
    assert row.status == "failed" and "550" in row.error and row.bounced_at is not None
    reasons = db.session.scalars(select(Suppression.reason).where(Suppression.store_id == store.id))
    assert list(reasons) == ["hard_bounce"]
    later = queue_mail(store, customer, kind="transactional")
    assert later.status == "suppressed" and "hard_bounce" in later.error


def test_deferred_recipient_is_retried_with_backoff_then_sent(
    smtp_server: SmtpServer, run_jobs: Callable[[], None]
) -> None:
    """Given a 451 at RCPT, then delivery is retried later (not lost, not doubled)."""
    store = make_store()
    configure_mail(store, backend="smtp", smtp_url=smtp_server.url)
    customer = make_customer(store)
    smtp_server.handler.defer.add(customer.email)
    message = queue_mail(store, customer, kind="transactional")
    run_jobs()
    row = db.session.get(Message, message.id)
    assert row.status == "pending" and "451" in row.error
    retry = db.session.scalar(select(DueWork).where(DueWork.job.like("%deliver_message")))
    assert retry is not None and retry.due_at > utcnow() + timedelta(seconds=5)
    job = db.session.scalar(select(JobRecord).where(JobRecord.job.like("%deliver_message")))
    assert job.status == "retrying"
    smtp_server.handler.defer.clear()
    db.session.execute(update(DueWork).values(due_at=utcnow() - timedelta(seconds=1)))
    run_jobs()
    assert db.session.get(Message, message.id).status == "sent"
    assert len(smtp_server.received) == 1
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1


def test_dropped_pooled_connection_is_replaced_without_losing_the_mail(
    app: Flask, smtp_server: SmtpServer
) -> None:
    """Given the server closed the kept connection, then the next mail goes on a new one."""
    store = make_store()
    configure_mail(store, backend="smtp", smtp_url=smtp_server.url)
    ids = [queue_mail(store, make_customer(store), kind="transactional").id for _ in range(2)]
    run_job("ecomapp.mail.delivery:deliver_message", [ids[0]], store.id)
    smtp_server.handler.drop_next_mail = True
    run_job("ecomapp.mail.delivery:deliver_message", [ids[1]], store.id)
    assert len(smtp_server.received) == 2
    assert smtp_server.handler.connections == 2
    assert [db.session.get(Message, i).status for i in ids] == ["sent", "sent"]


def test_implicit_tls_smtps(tmp_path: Path, run_jobs: Callable[[], None]) -> None:
    """Given an smtps:// server (TLS from the first byte), then the mail goes over TLS."""
    cert, key = self_signed_cert(tmp_path)
    with running_smtp(tls=(cert, key), implicit_tls=True) as server:
        store = make_store()
        configure_mail(
            store, backend="smtp", smtp_url=f"smtps://127.0.0.1:{server.port}/?cafile={cert}"
        )
        message = queue_mail(store, make_customer(store), kind="transactional")
        run_jobs()
        smtp.close_all()
        assert len(server.received) == 1
    assert db.session.get(Message, message.id).status == "sent"


def test_untrusted_certificate_is_not_accepted(
    tmp_path: Path, run_jobs: Callable[[], None]
) -> None:
    """Given a STARTTLS server whose certificate we do not trust, then nothing is sent."""
    cert, key = self_signed_cert(tmp_path)
    with running_smtp(tls=(cert, key)) as server:
        store = make_store()
        configure_mail(store, backend="smtp", smtp_url=f"smtp+starttls://127.0.0.1:{server.port}")
        message = queue_mail(store, make_customer(store), kind="transactional")
        run_jobs()
        smtp.close_all()
        assert server.received == []
    row = db.session.get(Message, message.id)
    assert row.status == "failed" and "certificate not trusted" in row.error
