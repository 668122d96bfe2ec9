"""Across the features: a recipe switched on in the panel e-mails a new customer through a real
SMTP server once; the click in that e-mail leads to an order that the Email dashboard credits to
the automation by name."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.models import Automation, Store, utcnow
from tests.automation_support import deliver, login
from tests.factories import customer_record, make_store, order_record
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail


def _switch_on_welcome(client: FlaskClient, store: Store) -> Automation:
    csrf = {"X-CSRF-Token": login(client, store)}
    assert client.post("/automations/recipes/welcome", headers=csrf).status_code == 303
    automation = db.session.scalar(select(Automation))
    assert client.post(f"/automations/{automation.id}/toggle", headers=csrf).status_code == 200
    return automation


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_welcome_recipe_mail_click_and_order_become_attributed_revenue(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given the welcome recipe on an SMTP store, when a customer signs up, clicks and orders
    (the sign-up delivered twice), then one mail arrived and the revenue shows by name."""
    with running_smtp() as server:
        store = make_store(name="Trail Co", settings={"address": "1 Pine St, Portland"})
        configure_mail(store, backend="smtp", smtp_url=server.url)
        automation = _switch_on_welcome(client, store)
        signup = customer_record(platform_id="c-77", email="ada@example.com", first_name="Ada")
        deliver(store, "customer", signup, external_id="signup")
        deliver(store, "customer", signup, external_id="signup")
        run_jobs()
        run_jobs()
        smtp.close_all()
        assert [m.email["To"] for m in server.received] == ["ada@example.com"]
        mail = server.received[0].email
    html = mail.get_body(("html",)).get_content()
    assert "Ada" in html and "1 Pine St, Portland" in html
    click = re.search(r'href="(http://127\.0\.0\.1:5000/m/c/[^"]+)"', html).group(1)
    assert client.get(_path(click)).status_code in (302, 303)
    order = order_record(customer=signup, total_price="120.00", placed_at=utcnow())
    deliver(store, "order", order)
    run_jobs()
    page = client.get("/email/").get_data(as_text=True)
    row = re.search(rf'<tr data-automation="{automation.id}">(.*?)</tr>', page, re.S).group(1)
    assert automation.name in row
    assert 'data-col="orders">1<' in row and 'data-col="revenue">$120.00<' in row
    dashboard = client.get("/").get_data(as_text=True)
    done = dict(re.findall(r'data-done="(\w+)">([^<]+)<', dashboard))
    assert done == {"runs": "1", "emails": "1", "orders": "1", "revenue": "$120.00"}
