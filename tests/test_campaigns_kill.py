"""A campaign send survives a SIGKILLed worker: nobody mailed twice, everyone else mailed once."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ecomapp import create_app
from ecomapp.campaigns.starts import keep_running, start_send
from ecomapp.extensions import db
from ecomapp.jobs.queue import redis_connection
from ecomapp.models import Campaign, CampaignSend, CampaignVersion, Message, utcnow
from tests import services
from tests.conftest import make_settings
from tests.factories import make_store
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail, make_customer
from tests.processes import WorkerGroup, private_redis, real_clock, wait_until, worker_env
from tests.test_worker_kills import _requirements

CUSTOMERS = 120


def _seed(web: Flask, smtp_url: str) -> int:
    with web.app_context():
        store = make_store(settings={"address": "1 Pine St"})
        configure_mail(store, backend="smtp", smtp_url=smtp_url, frequency_cap_hours=0)
        for i in range(CUSTOMERS):
            make_customer(store, email=f"k{i}@example.com", tags=["vip"] if i % 3 == 0 else [])
        campaign = Campaign(store_id=store.id, name="Kill", status="draft")
        db.session.add(campaign)
        db.session.flush()
        for spec in ({"kind": "tag", "value": "vip"}, None):
            db.session.add(
                CampaignVersion(
                    store_id=store.id, campaign_id=campaign.id, audience=spec or {"kind": "all"},
                    is_fallback=spec is None, subject="VIP" if spec else "All",
                    blocks=[{"type": "text", "text": "Hi"}], position=0 if spec else 999,
                )
            )  # fmt: skip
        send = start_send(campaign, utcnow())
        db.session.commit()
        assert send is not None
        send_id = send.id
        db.session.remove()
        return send_id


def _statuses(web: Flask, send_id: int) -> list[tuple[str, str, str]]:
    with web.app_context():
        rows = db.session.execute(
            select(Message.to_email, Message.status, Message.subject).where(
                Message.campaign_send_id == send_id
            )
        ).all()
        db.session.remove()
        return [(r[0], r[1], r[2]) for r in rows]


def _send_status(web: Flask, send_id: int) -> str:
    with web.app_context():
        status = db.session.get(CampaignSend, send_id).status  # type: ignore[union-attr]
        db.session.remove()
        return status


@pytest.mark.real_services
def test_killed_worker_mid_send_doubles_nobody(app: Flask, tmp_path: Path) -> None:
    """Given a two-version campaign of 120 recipients sending on a real worker, when the worker
    group is SIGKILLed mid-send and restarted, then the send finishes, nobody receives two mails,
    everyone but the one message in flight at the kill (`uncertain`) receives exactly one,
    of their version."""
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    _requirements(database_url)
    prefix = f"ecomapp-campaign-kill-{services.RUN_ID}"
    with (
        private_redis(tmp_path) as redis_server,
        real_clock(redis_server.url),
        running_smtp() as smtp_server,
    ):
        smtp_server.handler.on_data = lambda: time.sleep(0.02)
        web = create_app(
            make_settings(
                redis_url=redis_server.url, queue_prefix=prefix, database_url=database_url
            ),
            SQLALCHEMY_DATABASE_URI=database_url,
            CAMPAIGN_BATCH=40,
        )
        send_id = _seed(web, smtp_server.url)
        env = worker_env(database_url, redis_server.url, prefix, MAIL_SEND_TIMEOUT="1")
        worker = WorkerGroup(env, tmp_path / "worker.log")
        worker.start()
        try:
            assert wait_until(lambda: len(smtp_server.received) >= 15, 60)
            worker.kill()
            killed_at = len(smtp_server.received)
            time.sleep(1.5)  # past the send timeout
            worker.start()
            with web.app_context():
                keep_running()
                db.session.remove()
            done = wait_until(lambda: _send_status(web, send_id) == "done", 90, step=0.5)
        finally:
            worker.stop()
        log = (tmp_path / "worker.log").read_text(errors="replace")
        assert done, f"{Counter(s for _, s, _ in _statuses(web, send_id))}\n{log[-3000:]}"
    rows = _statuses(web, send_id)
    with web.app_context():
        redis_connection(web).close()
        db.engine.dispose()
    received = Counter(to for mail in smtp_server.received for to in mail.rcpt_tos)
    assert max(received.values()) == 1
    assert len(rows) == CUSTOMERS
    for to, status, subject in rows:
        assert status in ("sent", "uncertain")
        if status == "sent":
            assert received[to] == 1
        number = int(to[1:].split("@")[0])
        assert subject == ("VIP" if number % 3 == 0 else "All")
    assert killed_at < CUSTOMERS
    uncertain = [to for to, status, _ in rows if status == "uncertain"]
    assert len(uncertain) <= 1  # only the one in flight at the kill
    assert all(received[to] == 1 for to, status, _ in rows if status == "sent")
    assert len(received) >= CUSTOMERS - len(uncertain)
    print(f"killed after {killed_at}; {Counter(s for _, s, _ in rows)}; received {len(received)}")
