"""Campaign versions for a segment and for an RFM group, from the panel to the SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.models import Campaign, Customer
from ecomapp.models.segments import CustomerRfm
from ecomapp.segments.library import save_segment
from tests.automation_support import login
from tests.factories import customer_record, make_order, make_store
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail, make_customer
from tests.test_campaigns import START


def _version(client: FlaskClient, csrf: str, campaign: Campaign, **fields: str) -> int:
    data = {"subject": fields["name"] + " news", "text": "Hello {{ customer.first_name }}"}
    reply = client.post(
        f"/campaigns/{campaign.id}/versions", data=data | fields, headers={"X-CSRF-Token": csrf}
    )
    return reply.status_code


def test_a_segment_version_and_an_at_risk_version_each_reach_only_their_customers(
    client: FlaskClient, run_jobs: Callable[[], None], time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a segment of Bangkok customers and customers scored "at risk", a campaign with a
    version for each (and the fallback) mails each customer once, with their version."""
    time_machine.move_to(START, tick=False)
    store = make_store(settings={"address": "1 Pine St"})
    other = make_store(settings={"address": "2 Pine St"})
    with running_smtp() as server:
        configure_mail(store, backend="smtp", smtp_url=server.url, frequency_cap_hours=0)
        history = {  # e-mail: (city, orders, each total, days ago)
            "bkk1": ("Bangkok", 1, "10.00", 2),
            "bkk2": ("Bangkok", 1, "20.00", 3),
            "risk": ("Chiang Mai", 3, "500.00", 300),  # bought well, long ago: at risk
            "plain": ("Phuket", 6, "500.00", 1),
        }
        for name, (city, count, total, days) in history.items():
            customer = make_customer(store, email=f"{name}@example.com", first_name=name, city=city)
            for _ in range(count):
                buyer = customer_record(platform_id=customer.platform_id, email=customer.email)
                placed = START - timedelta(days=days)
                make_order(store, customer=buyer, total_price=total, placed_at=placed)
        rule = {"all": [{"field": "customer.city", "op": "=", "value": "Bangkok"}]}
        save_segment(store, "Bangkok", rule)
        save_segment(other, "Bangkok", rule)  # another store's segment of the same name
        db.session.commit()
        cli = client.application.test_cli_runner()
        assert "Bangkok: 2 customers" in cli.invoke(args=["segments-refresh", str(store.id)]).output
        risky = db.session.scalar(select(Customer).where(Customer.email == "risk@example.com"))
        assert db.session.get(CustomerRfm, risky.id).rfm_group == "at_risk"
        csrf = login(client, store)
        client.post("/campaigns/new", data={"name": "Fallback"}, headers={"X-CSRF-Token": csrf})
        campaign = db.session.scalars(select(Campaign).where(Campaign.store_id == store.id)).one()
        seg = {"audience": "segment", "audience_value": "Bangkok", "position": "1"}
        assert _version(client, csrf, campaign, name="City", **seg) == 302
        rfm = {"audience": "rfm", "audience_value": "at_risk", "position": "2"}
        assert _version(client, csrf, campaign, name="Winback", **rfm) == 302
        bad = {"audience": "segment", "audience_value": "Nowhere", "position": "3"}
        assert _version(client, csrf, campaign, name="Bad", **bad) == 400  # names the field
        once = {"every": "once", "date": "2026-12-01", "at": "10:00"}
        client.post(f"/campaigns/{campaign.id}/schedule", data=once, headers={"X-CSRF-Token": csrf})
        time_machine.move_to(START + timedelta(hours=2), tick=False)
        for _ in range(3):
            run_jobs()
        smtp.close_all()
        got = {m.rcpt_tos[0]: str(m.email["Subject"]) for m in server.received}
    assert len(server.received) == 4
    assert got == {
        "bkk1@example.com": "City news",
        "bkk2@example.com": "City news",
        "risk@example.com": "Winback news",
        "plain@example.com": got["plain@example.com"],
    }
    assert got["plain@example.com"] not in ("City news", "Winback news")
