"""Personalised e-mails rendered and handed to a local SMTP server per second, vs plain smtplib.

Run: python -m bench.mail_throughput [--messages 300] [--database-url postgresql://…/scratch]

Both sides talk to the same aiosmtpd server on loopback in this run. The mailer and the
campaign sender each run `--rounds` times (median), each run between two smtplib runs whose
mean is its baseline, so a change of the machine's load during the run moves both sides. The
mailer side does the whole job the automation engine does for a store batch of e-mail steps:
the rows recorded by the engine's own insert (`automation/mail_batch.py`'s `record_messages`),
`prepare_messages` (sandboxed render, layout, link tracking, the rules) and `deliver_batch`
(rules, one claim per group, the mail's bytes, SMTP on one reused connection behind the
in-flight marker, one mark per group). A
second figure sends the same mails with one `send_email` call each (the per-trigger path: a
step run alone).
The baseline sends one pre-rendered message with smtplib over one connection, nothing else.
"""

from __future__ import annotations

import argparse
import gc
import math
import smtplib
import socket
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Sink:
    """Count what the server accepts."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fresh_postgres(url: str) -> str:
    """Recreate the PostgreSQL database named in url (it must be a throw-away one)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from ecomapp.config import database_url

    sa_url = make_url(database_url(url, "."))
    admin = create_engine(sa_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{sa_url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{sa_url.database}"'))
    admin.dispose()
    return sa_url.render_as_string(hide_password=False)


def _app(tmp: Path, database: str | None, redis: str | None = None):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from ecomapp import create_app
    from ecomapp.config import Settings

    url = _fresh_postgres(database) if database else f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app(Settings(env="testing", database_url=url, redis_url=redis))
    with app.app_context():
        upgrade()
    return app


def _seed(n: int, smtp_url: str) -> tuple[int, list[int]]:
    from ecomapp.extensions import db
    from ecomapp.models import Customer, MailSettings, Store

    store = Store(platform="demo", domain="bench.example.com", name="Bench Outfitters")
    db.session.add(store)
    db.session.flush()
    settings = MailSettings(store_id=store.id, backend="smtp", frequency_cap_hours=0)
    settings.quiet_start_hour = settings.quiet_end_hour = 0
    settings.smtp_url = smtp_url
    db.session.add(settings)
    customers = [
        Customer(
            store_id=store.id,
            platform_id=str(i),
            email=f"c{i}@example.com",
            first_name=f"Name{i}",
            accepts_marketing=True,
            tags=[],
        )
        for i in range(n)
    ]
    db.session.add_all(customers)
    db.session.commit()
    return store.id, [c.id for c in customers]


def winback_request(cid: int, email: str) -> Any:
    """Return the bench's personalised win-back mail request for one customer."""
    from ecomapp.mail import MailRequest

    return MailRequest(
        to=email,
        template_key="winback",
        idempotency_key=f"bench:{cid}",
        kind="marketing",
        customer_id=cid,
        automation_id=1,
        context={"discount_code": f"BACK{cid}", "discount_percent": 15},
    )


def _store_and_emails(store_id: int) -> tuple[Any, dict[int, str]]:
    """Return the store and every customer's e-mail address by id (read before timing)."""
    from ecomapp.extensions import db
    from ecomapp.models import Customer, Store

    store = db.session.get(Store, store_id)
    assert store is not None
    return store, {cid: str(email) for cid, email in db.session.query(Customer.id, Customer.email)}


def run_mailer(store_id: int, customer_ids: list[int], prefix: str = "bench") -> float:
    """Record one mail per customer as an engine batch does, render and deliver them with the
    mailer's batch jobs; return seconds."""
    from ecomapp.automation.mail_batch import record_messages
    from ecomapp.extensions import db
    from ecomapp.mail.api import prepare_messages
    from ecomapp.mail.compose import new_message_id
    from ecomapp.mail.delivery import deliver_batch
    from ecomapp.models import utcnow

    store, emails = _store_and_emails(store_id)
    started = time.perf_counter()
    rows = []
    for cid in customer_ids:
        req = winback_request(cid, emails[cid])
        req.idempotency_key = f"{prefix}:{cid}"
        rows.append(
            {
                "store_id": store_id, "idempotency_key": req.idempotency_key, "kind": req.kind,
                "template_key": req.template_key, "to_email": req.to, "customer_id": cid,
                "automation_id": 1, "context": req.context, "status": "pending",
                "message_id_header": new_message_id(store), "created_at": utcnow(),
            }
        )  # fmt: skip
    ids = sorted(record_messages(rows).values())  # the engine's write (`MailBatch.write`)
    db.session.commit()
    prepare_messages(store_id, ids)
    db.session.commit()
    deliver_batch(ids)
    return time.perf_counter() - started


def run_send_email(store_id: int, customer_ids: list[int]) -> float:
    """Render, record and deliver one mail per customer with one send_email call each (then one
    deliver_batch); return seconds."""
    from ecomapp.extensions import db
    from ecomapp.mail import send_email
    from ecomapp.mail.delivery import deliver_batch

    store, emails = _store_and_emails(store_id)
    started = time.perf_counter()
    ids = []
    for cid in customer_ids:
        request = winback_request(cid, emails[cid])
        request.idempotency_key = f"single:{cid}"
        ids.append(send_email(store, request).id)
    db.session.commit()
    deliver_batch(ids)
    return time.perf_counter() - started


def run_campaign(store_id: int) -> float:
    """Send a one-version campaign to every seeded customer through the campaign send path."""
    from ecomapp.campaigns.sending import run_send
    from ecomapp.campaigns.starts import start_send
    from ecomapp.extensions import db
    from ecomapp.models import Campaign, CampaignVersion, utcnow

    campaign = Campaign(store_id=store_id, name="Bench", status="draft")
    db.session.add(campaign)
    db.session.flush()
    blocks = [
        {"type": "text", "text": "Hello {{ customer.first_name }}, our news this month."},
        {"type": "button", "label": "Shop", "url": "https://bench.example.com/new"},
    ]
    db.session.add(
        CampaignVersion(
            store_id=store_id, campaign_id=campaign.id, is_fallback=True, audience={"kind": "all"},
            subject="News for {{ customer.first_name }}", blocks=blocks, name="All",
        )
    )  # fmt: skip
    send = start_send(campaign, utcnow())
    db.session.commit()
    assert send is not None
    started = time.perf_counter()
    run_send(send.id)
    return time.perf_counter() - started


def run_render_only(store_id: int, n: int) -> float:
    """Render n personalised mails (sandbox, layout, tracking) without DB or SMTP; seconds."""
    from ecomapp.extensions import db
    from ecomapp.mail.compose import render_parts, template_source
    from ecomapp.mail.effective_settings import effective_settings
    from ecomapp.models import Store

    store = db.session.get(Store, store_id)
    assert store is not None
    source, settings = template_source(store, "winback"), effective_settings(store)
    started = time.perf_counter()
    for i in range(n):
        variables = {"customer": {"first_name": f"Name{i}"}, "discount_code": f"BACK{i}"}
        render_parts(store, source, variables, settings, 10_000 + i, True)
    return time.perf_counter() - started


def run_baseline(port: int, raw: bytes, n: int) -> float:
    """Send the same pre-rendered message n times with plain smtplib; return seconds."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as conn:
        for i in range(n):
            conn.sendmail("bench@example.com", [f"c{i}@example.com"], raw)
    return time.perf_counter() - started


def _sample_raw(message_id: int) -> bytes:
    from ecomapp.extensions import db
    from ecomapp.mail.compose import outgoing
    from ecomapp.mail.effective_settings import effective_settings
    from ecomapp.models import Message, Store

    message = db.session.get(Message, message_id)
    assert message is not None
    out = outgoing(message, effective_settings(db.session.get(Store, message.store_id)))
    return out.raw


def bracketed(
    work: Callable[[int], float], port: int, raw: bytes, n: int, rounds: int
) -> list[tuple[float, float]]:
    """Run `work(round)` (seconds for n mails) `rounds` times, each between two smtplib runs
    (the machine's load moves); return (its mails/s, mean smtplib mails/s around it) each."""
    from ecomapp.mail.smtp import close_all

    out = []
    before = n / run_baseline(port, raw, n)
    for i in range(rounds):
        rate = n / work(i)
        close_all()
        after = n / run_baseline(port, raw, n)
        out.append((rate, (before + after) / 2))
        before = after
    return out


def _medians(rounds: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r for r, _ in rounds), statistics.median(b for _, b in rounds)


def main() -> None:
    """Run both sides against one loopback server and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument(
        "--rounds", type=int, default=5, help="mailer batches and campaign sends, each bracketed"
    )
    parser.add_argument(
        "--database-url", help="a throw-away PostgreSQL database (recreated); default SQLite"
    )
    parser.add_argument(
        "--redis-url", help="Redis for the campaign in-flight markers; default in-process"
    )
    args = parser.parse_args()
    n = args.messages
    sink, port = _Sink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = _app(Path(tmp), args.database_url, args.redis_url)
            with app.app_context():
                store_id, customers = _seed(n, f"smtp://127.0.0.1:{port}")
                from ecomapp.mail.smtp import close_all

                single = run_send_email(store_id, customers)
                close_all()
                raw = _sample_raw(1)
                # As the worker does before it forks a job's horse (prepare_for_fork): the
                # heap built so far (app, seed) is frozen, so the jobs' collections skip it.
                gc.collect()
                gc.freeze()
                mailers = bracketed(
                    lambda i: run_mailer(store_id, customers, f"bench{i}"),
                    port,
                    raw,
                    n,
                    args.rounds,
                )
                rounds = bracketed(lambda i: run_campaign(store_id), port, raw, n, args.rounds)
                render_only = run_render_only(store_id, n)
                from ecomapp.extensions import db
                from ecomapp.jobs.queue import QUEUES, get_queue

                for name in QUEUES:  # the jobs its batches queued: nothing here runs them,
                    get_queue(name).empty()  # and the next bench on this Redis db must not
                db.session.remove()
                db.engine.dispose()
    finally:
        controller.stop()
    sent = (3 + 4 * args.rounds) * n
    assert sink.count == sent, f"server accepted {sink.count} of {sent}"
    mailer, baseline = _medians(mailers)
    print(f"messages per side:            {n}")
    for i, (rate, around) in enumerate(mailers, 1):
        print(f"# mailer round {i}: {rate:.1f} mails/s, smtplib around it {around:.1f}")
    print(f"ecomapp mailer (render+send): {mailer:8.1f} mails/s")
    print(f"plain smtplib (pre-rendered): {baseline:8.1f} mails/s")
    print(f"render only (no DB, no SMTP): {n / render_only:8.1f} mails/s")
    print(f"ratio mailer / smtplib:       {mailer / baseline:8.3f}")
    print(f"mailer, send_email per mail:  {n / single:8.1f} mails/s")
    print(f"ratio render-only / smtplib:  {n / render_only / baseline:8.3f}")
    for i, (campaign, around) in enumerate(rounds, 1):
        print(f"# campaign round {i}: {campaign:.1f} mails/s, smtplib around it {around:.1f}")
    rate, smtp = _medians(rounds)
    print(f"campaign sender (batched):    {rate:8.1f} mails/s")
    print(f"smtplib around the campaigns: {smtp:8.1f} mails/s")
    print(f"ratio campaign / smtplib:     {rate / smtp:8.3f}")
    hours = 1_000_000 / rate / 3600
    print(f"1M-recipient newsletter:      {hours:8.2f} h per worker process")
    print(f"worker processes for 1 hour:  {math.ceil(hours):8d}")


if __name__ == "__main__":
    main()
