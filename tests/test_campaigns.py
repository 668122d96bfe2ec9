"""Campaigns from the edge: scheduled in the panel, started by the ticker, mailed at aiosmtpd."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import responses
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.campaigns.results import version_results
from ecomapp.extensions import db
from ecomapp.mail.suppressions import suppress
from ecomapp.models import (
    Campaign,
    CampaignSend,
    CampaignVersion,
    Customer,
    MailSettings,
    Message,
    Store,
    Suppression,
    SuppressionReason,
    utcnow,
)
from ecomapp.platforms.demo_payloads import to_payload
from ecomapp.webhooks.inbox import record_delivery
from tests.automation_support import login
from tests.factories import customer_record, make_store, order_record
from tests.fakes.smtp_server import Received, running_smtp
from tests.mail_support import configure_mail, make_customer

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday; first Monday of January 2027: Jan 4


def _campaign(client: FlaskClient, csrf: str, store: Store) -> Campaign:
    """Create a campaign with a VIP version before the fallback, through the panel."""
    headers = {"X-CSRF-Token": csrf}
    assert (
        client.post("/campaigns/new", data={"name": "Monthly"}, headers=headers).status_code == 302
    )
    campaign = db.session.scalars(select(Campaign).where(Campaign.store_id == store.id)).one()
    vip = {
        "name": "VIP", "position": "1", "audience": "tag", "audience_value": "vip",
        "subject": "VIP news for {{ customer.first_name }}",
        "text": "Dear {{ customer.first_name }}, VIP-ONLY content.",
        "button_label": "Shop", "button_url": "https://shop.example.com/vip",
    }  # fmt: skip
    response = client.post(f"/campaigns/{campaign.id}/versions", data=vip, headers=headers)
    assert response.status_code == 302
    return campaign


def _customers(store: Store) -> dict[str, str]:
    """Make VIP, regular, unconsented and suppressed customers; return email -> expectation."""
    expected = {}
    for i in range(7):
        make_customer(store, email=f"vip{i}@example.com", first_name=f"V{i}", tags=["vip"])
        expected[f"vip{i}@example.com"] = "VIP"
    for i in range(8):
        make_customer(store, email=f"reg{i}@example.com", first_name=f"R{i}")
        expected[f"reg{i}@example.com"] = "Monthly"
    make_customer(store, consent=False, email="nope@example.com", tags=["vip"])
    make_customer(store, email="gone@example.com")
    suppress(store, "gone@example.com", SuppressionReason.UNSUBSCRIBE, None, "test")
    db.session.commit()
    return expected


def _order(store: Store, customer: Customer, total: str) -> None:
    """Deliver an order webhook from the customer, now."""
    rec = order_record(
        customer=customer_record(platform_id=customer.platform_id, email=customer.email),
        total_price=total,
        placed_at=utcnow(),
    )
    body = json.dumps(to_payload(rec)).encode()
    record_delivery("demo", f"order-{customer.id}", "order", body, store_id=store.id)


def _click_and_unsubscribe(client: FlaskClient, mail: Received) -> None:
    """Follow the mail's tracked button and its one-click unsubscribe, as the recipient."""
    html = mail.email.get_body(("html",)).get_content()
    button = re.search(r'href="([^"]+)"[^>]*>Shop<', html)
    assert button is not None
    response = client.get(urlsplit(unescape(button[1])).path)
    assert response.status_code == 302 and response.location == "https://shop.example.com/vip"
    unsubscribe = mail.email["List-Unsubscribe"].strip("<>")
    assert client.post(urlsplit(unsubscribe).path).status_code in (200, 204)


def test_two_version_newsletter_each_recipient_gets_one_mail_of_its_version(
    client: FlaskClient, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a two-version newsletter scheduled for the first Monday of each month at 10:00
    Bangkok time through the panel, when the ticker runs past that slot, then every consenting,
    unsuppressed customer gets exactly one mail of their version, the others are skipped with
    the reason counted, and a second tick sends nothing again."""
    time_machine.move_to(START, tick=False)
    store = make_store(timezone="Asia/Bangkok", settings={"address": "1 Pine St"})
    with running_smtp() as server:
        configure_mail(store, backend="smtp", smtp_url=server.url, frequency_cap_hours=0)
        expected = _customers(store)
        csrf = login(client, store)
        campaign = _campaign(client, csrf, store)
        plan = {"every": "month", "nth": "1", "weekday": "mon", "at": "10:00"}
        response = client.post(
            f"/campaigns/{campaign.id}/schedule", data=plan, headers={"X-CSRF-Token": csrf}
        )
        assert response.status_code == 302
        db.session.refresh(campaign)
        assert campaign.next_run_at == datetime(2026, 12, 7, 3, 0, tzinfo=UTC)

        time_machine.move_to(datetime(2026, 12, 7, 2, 59, tzinfo=UTC), tick=False)
        run_jobs()
        run_jobs()
        assert server.received == []

        time_machine.move_to(datetime(2026, 12, 7, 3, 1, tzinfo=UTC), tick=False)
        run_jobs()
        run_jobs()
        run_jobs()
        got = Counter(to for mail in server.received for to in mail.rcpt_tos)
        assert dict(got) == dict.fromkeys(expected, 1)
        for mail in server.received:
            to = mail.rcpt_tos[0]
            subject = str(mail.email["Subject"])
            body = mail.email.get_body(("html",)).get_content()
            if expected[to] == "VIP":
                assert subject.startswith("VIP news for V") and "VIP-ONLY" in body
            else:
                assert subject == "Monthly" and "VIP-ONLY" not in body
            assert mail.email["List-Unsubscribe"]
        send = db.session.scalars(select(CampaignSend)).one()
        assert send.status == "done"
        _click_and_unsubscribe(
            client, next(m for m in server.received if m.rcpt_tos == ["vip0@example.com"])
        )
        vip0 = db.session.scalars(select(Customer).where(Customer.email == "vip0@example.com"))
        _order(store, vip0.one(), "99.50")
        run_jobs()
        page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
        assert "$99.50" in page
        assert "no marketing consent: 1" in page and "unsubscribed from marketing: 1" in page
        vip = version_results(store.id, campaign.id)
        assert [
            (r.sent, r.clicked, r.unsubscribed, r.orders, r.revenue)
            for r in vip.values()
            if r.clicked
        ] == [(7, 1, 1, 1, Decimal("99.50"))]

        run_jobs()
        time_machine.move_to(datetime(2026, 12, 7, 4, 0, tzinfo=UTC), tick=False)
        run_jobs()
        assert len(server.received) == len(expected)
        db.session.refresh(campaign)
        assert campaign.next_run_at == datetime(2027, 1, 4, 3, 0, tzinfo=UTC)


def test_pause_resume_and_cancel(
    client: FlaskClient, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a running send, a paused send mails nobody until resumed; a cancelled one never."""
    time_machine.move_to(START, tick=False)
    store = make_store(settings={"address": "1 Pine St"})
    with running_smtp() as server:
        configure_mail(store, backend="smtp", smtp_url=server.url, frequency_cap_hours=0)
        expected = _customers(store)
        csrf = login(client, store)
        headers = {"X-CSRF-Token": csrf}
        campaign = _campaign(client, csrf, store)
        once = {"every": "once", "date": "2026-12-02", "at": "08:00"}
        assert client.post(f"/campaigns/{campaign.id}/schedule", data=once, headers=headers)
        time_machine.move_to(START + timedelta(days=1), tick=False)
        db.session.commit()
        from ecomapp.campaigns.starts import start_due

        start_due()
        send = db.session.scalars(select(CampaignSend)).one()
        assert client.post(f"/campaigns/sends/{send.id}/pause", headers=headers).status_code == 200
        run_jobs()
        assert server.received == []
        assert client.post(f"/campaigns/sends/{send.id}/resume", headers=headers).status_code == 200
        run_jobs()
        assert len(server.received) == len(expected)
        again = client.post(f"/campaigns/sends/{send.id}/cancel", headers=headers)
        assert again.status_code == 409

        client.post("/campaigns/new", data={"name": "Second"}, headers=headers)
        second = db.session.scalars(select(Campaign).where(Campaign.name == "Second")).one()
        start = {"every": "once", "date": "2026-12-03", "at": "08:00"}
        client.post(f"/campaigns/{second.id}/schedule", data=start, headers=headers)
        time_machine.move_to(START + timedelta(days=2), tick=False)
        start_due()
        later = db.session.scalars(select(CampaignSend).where(CampaignSend.id != send.id)).one()
        assert (
            client.post(f"/campaigns/sends/{later.id}/cancel", headers=headers).status_code == 200
        )
        run_jobs()
        assert len(server.received) == len(expected)
        assert (
            db.session.scalar(select(Message.id).where(Message.campaign_send_id == later.id))
            is None
        )


def test_malformed_schedule_and_version_are_refused_naming_the_field(client: FlaskClient) -> None:
    """Given a campaign, a bad schedule or version answers 400 naming the field, never 500."""
    store = make_store()
    csrf = login(client, store)
    headers = {"X-CSRF-Token": csrf}
    client.post("/campaigns/new", data={"name": "X"}, headers=headers)
    campaign = db.session.scalars(select(Campaign)).one()
    bad = client.post(
        f"/campaigns/{campaign.id}/schedule", data={"every": "daily"}, headers=headers
    )
    assert bad.status_code == 400 and b"every" in bad.data
    bad = client.post(
        f"/campaigns/{campaign.id}/versions",
        data={"subject": "Hi", "audience": "tag"},
        headers=headers,
    )
    assert bad.status_code == 400 and b"audience_value" in bad.data


def test_quiet_hours_hold_the_send_and_the_frequency_cap_skips_a_recent_recipient(
    client: FlaskClient, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given quiet hours 21:00-08:00 UTC and a 24 h cap, a send due at 22:00 waits until 08:00,
    and a customer mailed a marketing message an hour before is skipped for the cap."""
    time_machine.move_to(datetime(2026, 12, 1, 21, 0, tzinfo=UTC), tick=False)
    store = make_store(settings={"address": "1 Pine St"})
    with running_smtp() as server:
        configure_mail(store, backend="smtp", smtp_url=server.url, frequency_cap_hours=24)
        settings = db.session.scalars(select(MailSettings)).one()
        settings.quiet_start_hour, settings.quiet_end_hour = 21, 8
        recent = make_customer(store, email="recent@example.com")
        make_customer(store, email="fresh@example.com")
        db.session.add(
            Message(
                store_id=store.id, idempotency_key="earlier", kind="marketing",
                template_key="welcome", to_email="recent@example.com", customer_id=recent.id,
                status="sent", sent_at=datetime(2026, 12, 1, 21, 0, tzinfo=UTC),
            )
        )  # fmt: skip
        db.session.commit()
        headers = {"X-CSRF-Token": login(client, store)}
        client.post("/campaigns/new", data={"name": "Late"}, headers=headers)
        campaign = db.session.scalars(select(Campaign)).one()
        once = {"every": "once", "date": "2026-12-01", "at": "22:00"}
        assert client.post(f"/campaigns/{campaign.id}/schedule", data=once, headers=headers)
        time_machine.move_to(datetime(2026, 12, 1, 22, 1, tzinfo=UTC), tick=False)
        for _ in range(3):
            run_jobs()
        assert server.received == []
        time_machine.move_to(datetime(2026, 12, 2, 8, 1, tzinfo=UTC), tick=False)
        for _ in range(3):
            run_jobs()
        assert [m.rcpt_tos for m in server.received] == [["fresh@example.com"]]
        results = version_results(store.id, campaign.id)
        assert [r.skipped for r in results.values()] == [{"frequency cap": 1}]


@responses.activate
def test_postmark_store_sends_the_campaign_in_one_batch_request(
    client: FlaskClient, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a Postmark store, a campaign goes to /email/batch in one request with the
    unsubscribe headers; an inactive recipient is suppressed as a hard bounce."""
    time_machine.move_to(START, tick=False)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        items = json.loads(request.body)
        out = [
            {"ErrorCode": 406, "Message": "inactive", "To": m["To"]}
            if m["To"].startswith("bad")
            else {"ErrorCode": 0, "Message": "OK", "MessageID": f"pm-{i}", "To": m["To"]}
            for i, m in enumerate(items)
        ]
        return 200, {}, json.dumps(out)

    responses.add_callback(responses.POST, "https://api.postmarkapp.com/email/batch", answer)
    store = make_store(settings={"address": "1 Pine St"})
    configure_mail(store, backend="postmark", api_token="pm-token", frequency_cap_hours=0)
    for name in ("a", "b", "bad"):
        make_customer(store, email=f"{name}@example.com")
    headers = {"X-CSRF-Token": login(client, store)}
    client.post("/campaigns/new", data={"name": "PM"}, headers=headers)
    campaign = db.session.scalars(select(Campaign)).one()
    once = {"every": "once", "date": "2026-12-01", "at": "10:00"}
    assert client.post(f"/campaigns/{campaign.id}/schedule", data=once, headers=headers)
    time_machine.move_to(START + timedelta(hours=2), tick=False)
    for _ in range(3):
        run_jobs()
    assert len(responses.calls) == 1
    sent = json.loads(responses.calls[0].request.body)
    assert sorted(m["To"] for m in sent) == ["a@example.com", "b@example.com", "bad@example.com"]
    assert all(any(h["Name"] == "List-Unsubscribe" for h in m["Headers"]) for m in sent)
    statuses = dict(db.session.execute(select(Message.to_email, Message.status)).all())
    assert statuses == {
        "a@example.com": "sent",
        "b@example.com": "sent",
        "bad@example.com": "failed",
    }
    assert db.session.scalar(select(Suppression.email)) == "bad@example.com"


def test_a_deferred_recipient_is_retried_by_the_campaign_not_by_the_mail_sweeper(
    client: FlaskClient, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a recipient the server defers (4xx) and the send then paused, when the mail
    sweeper runs past its stale time, then nothing is sent; once resumed, they get one mail."""
    time_machine.move_to(START, tick=False)
    store = make_store(settings={"address": "1 Pine St"})
    with running_smtp() as server:
        server.handler.defer.add("later@example.com")
        configure_mail(store, backend="smtp", smtp_url=server.url, frequency_cap_hours=0)
        make_customer(store, email="now@example.com")
        make_customer(store, email="later@example.com")
        headers = {"X-CSRF-Token": login(client, store)}
        client.post("/campaigns/new", data={"name": "Retry"}, headers=headers)
        campaign = db.session.scalars(select(Campaign)).one()
        assert client.post(f"/campaigns/{campaign.id}/send-now", headers=headers).status_code == 302
        run_jobs()
        assert [m.rcpt_tos for m in server.received] == [["now@example.com"]]
        send = db.session.scalars(select(CampaignSend)).one()
        assert client.post(f"/campaigns/sends/{send.id}/pause", headers=headers).status_code == 200
        server.handler.defer.clear()
        time_machine.move_to(START + timedelta(minutes=30), tick=False)
        for _ in range(3):
            run_jobs()
        assert len(server.received) == 1
        assert client.post(f"/campaigns/sends/{send.id}/resume", headers=headers).status_code == 200
        for _ in range(2):
            run_jobs()
        assert sorted(to for m in server.received for to in m.rcpt_tos) == [
            "later@example.com",
            "now@example.com",
        ]


def test_ab_subject_test_sends_the_winner_by_clicks_to_the_rest(
    client: FlaskClient, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a 50 % A/B subject test picked by clicks after 2 hours, when a subject-B mail of
    the sample is clicked, then after 2 hours everyone else gets subject B, once."""
    time_machine.move_to(START, tick=False)
    store = make_store(settings={"address": "1 Pine St"})
    with running_smtp() as server:
        configure_mail(store, backend="smtp", smtp_url=server.url, frequency_cap_hours=0)
        for i in range(40):
            make_customer(store, email=f"ab{i}@example.com")
        headers = {"X-CSRF-Token": login(client, store)}
        client.post("/campaigns/new", data={"name": "AB"}, headers=headers)
        campaign = db.session.scalars(select(Campaign)).one()
        fallback = db.session.scalars(select(CampaignVersion)).one()
        form = {
            "version_id": str(fallback.id), "is_fallback": "1", "subject": "Subject A",
            "subject_b": "Subject B", "button_label": "Go", "button_url": "https://x.example/go",
        }  # fmt: skip
        assert client.post(f"/campaigns/{campaign.id}/versions", data=form, headers=headers)
        ab = {"ab_percent": "50", "ab_hours": "2", "ab_metric": "clicks"}
        assert client.post(f"/campaigns/{campaign.id}/ab", data=ab, headers=headers)
        assert client.post(f"/campaigns/{campaign.id}/send-now", headers=headers)
        for _ in range(2):
            run_jobs()
        sample = {m.rcpt_tos[0]: str(m.email["Subject"]) for m in server.received}
        assert 0 < len(sample) < 40 and set(sample.values()) == {"Subject A", "Subject B"}
        b_mail = next(m for m in server.received if str(m.email["Subject"]) == "Subject B")
        html = b_mail.email.get_body(("html",)).get_content()
        button = re.search(r'href="([^"]+)"[^>]*>Go<', html)
        assert button is not None
        assert client.get(urlsplit(unescape(button[1])).path).status_code == 302

        time_machine.move_to(START + timedelta(hours=2, minutes=1), tick=False)
        for _ in range(3):
            run_jobs()
        got = Counter(to for m in server.received for to in m.rcpt_tos)
        assert len(got) == 40 and set(got.values()) == {1}
        rest = [str(m.email["Subject"]) for m in server.received if m.rcpt_tos[0] not in sample]
        assert rest and set(rest) == {"Subject B"}
