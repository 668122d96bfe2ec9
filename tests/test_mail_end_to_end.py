"""Done when: an automation's mail reaches a real SMTP server once, its one-click unsubscribe
and tracking work from the received mail, and an order after a click is revenue on the dashboard."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.models import Attribution, Customer, Suppression, utcnow
from ecomapp.platforms.demo_payloads import to_payload
from ecomapp.webhooks.inbox import record_delivery
from tests.factories import customer_record, make_store, order_record
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail, make_customer, queue_mail


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_automation_mail_unsubscribe_tracking_and_attributed_revenue(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an SMTP store, when a customer clicks the received mail and orders, then it counts."""
    with running_smtp() as server:
        store = make_store(name="Trail Co", settings={"address": "1 Pine St"})
        configure_mail(store, backend="smtp", smtp_url=server.url)
        customer = make_customer(store, first_name="Ann")
        queue_mail(store, customer, template_key="welcome", automation_id=42)
        run_jobs()
        run_jobs()
        smtp.close_all()
        assert len(server.received) == 1
        mail = server.received[0].email
    html = mail.get_body(("html",)).get_content()
    click = re.search(r'href="(http://127\.0\.0\.1:5000/m/c/[^"]+)"', html).group(1)
    pixel = re.search(r'src="(http://127\.0\.0\.1:5000/m/o/[^"]+)"', html).group(1)
    unsubscribe = mail["List-Unsubscribe"].strip("<>")

    assert client.get(_local(pixel)).status_code == 200
    assert client.get(_local(click)).headers["Location"] == f"https://{store.domain}"

    rec = order_record(
        customer=customer_record(platform_id=customer.platform_id, email=customer.email),
        total_price="99.50",
        placed_at=utcnow(),
    )
    body = json.dumps(to_payload(rec)).encode()
    record_delivery("demo", "order-1", "order", body, store_id=store.id)
    run_jobs()
    attribution = db.session.scalar(select(Attribution))
    assert attribution.automation_id == 42 and attribution.touch == "click"
    page = client.get("/email/").get_data(as_text=True)
    row = re.search(r'<tr data-automation="42">(.*?)</tr>', page, re.S).group(1)
    assert 'data-col="orders">1<' in row and 'data-col="revenue">$99.50<' in row

    one_click = client.post(
        _local(unsubscribe),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    run_jobs()
    assert db.session.scalar(select(Suppression.reason)) == "unsubscribe"
    assert db.session.get(Customer, customer.id).accepts_marketing is False
