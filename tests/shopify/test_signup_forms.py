"""Signup forms on Shopify: app proxy in, confirm link, the subscriber pushed to Shopify."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.models import JobRecord, Run, Signup, Store
from tests.automation_support import make_automation
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail
from tests.shopify.support import SECRET, deliver, installed
from tests.signup_support import confirm_link, signup_form
from tests.storefront_support import proxy_query

SHOP = "signup-forms.myshopify.com"
BOB = "gid://shopify/Customer/706405506930370084"  # customers_create.json


def _sign_up_and_confirm(
    client: FlaskClient, store: Store, run_jobs: Callable[[], None], form: dict[str, str]
) -> list[str]:
    """Post the form through the app proxy, follow the mailed link; return the mail subjects."""
    with running_smtp() as mail:
        configure_mail(store, backend="smtp", smtp_url=mail.url)
        query = proxy_query(store.domain, secret=SECRET)
        reply = client.post(f"/storefront/signup?{query}", data=form)
        assert reply.status_code == 201, reply.get_data(as_text=True)
        run_jobs()
        assert client.post(confirm_link(mail.received[0])).status_code == 200
        run_jobs()
        run_jobs()
        smtp.close_all()
        return [r.email["Subject"] for r in mail.received]


def _bob_in_mirror(client: FlaskClient, run_jobs: Callable[[], None]) -> None:
    body = json.dumps(fixture("customers_create.json")).encode()
    assert deliver(client, "customers/create", body, SHOP).status_code == 200
    run_jobs()


def test_new_subscriber_is_created_on_shopify_and_welcomed(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given the welcome series on, when a new shopper signs up and confirms, then Shopify gets
    customerCreate with confirmed opt-in consent, and the series sends its welcome mail."""
    store = installed(fake, SHOP)
    make_automation(store, build_recipe("welcome_subscribers", {})[1])
    subjects = _sign_up_and_confirm(client, store, run_jobs, signup_form(phone="+66812345678"))
    [(gid, created)] = fake.customers.items()
    assert (created["email"], created["firstName"], created["lastName"]) == (
        "ann@example.com",
        "Ann",
        "Lee",
    )
    consent = created["emailMarketingConsent"]
    assert (consent["marketingState"], consent["marketingOptInLevel"]) == (
        "SUBSCRIBED",
        "CONFIRMED_OPT_IN",
    )
    assert db.session.scalar(select(Signup.platform_customer_id)) == gid.rsplit("/", 1)[-1]
    assert [s.split(" to ")[0] for s in subjects] == ["Confirm your subscription", "Welcome"]
    assert db.session.scalar(select(Run.status)) is not None


def test_known_customer_gets_a_consent_update(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given Bob in the mirror and on Shopify, when he signs up and confirms, then his consent is
    updated with customerEmailMarketingConsentUpdate (no second customer)."""
    store = installed(fake, SHOP)
    fake.customers[BOB] = {"email": "bob@biller.com"}
    _bob_in_mirror(client, run_jobs)
    _sign_up_and_confirm(client, store, run_jobs, signup_form(email="bob@biller.com"))
    ops = [c["op"] for c in fake.calls if "op" in c]
    assert "customerEmailMarketingConsentUpdate" in ops and "customerCreate" not in ops
    assert fake.customers[BOB]["emailMarketingConsent"]["marketingState"] == "SUBSCRIBED"


def test_shopify_refusal_is_recorded_not_retried(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given a mirrored customer Shopify no longer has, when they confirm, then Shopify's
    userError is the job's recorded failure, and the signup stays subscribed but not pushed."""
    store = installed(fake, SHOP)
    _bob_in_mirror(client, run_jobs)
    _sign_up_and_confirm(client, store, run_jobs, signup_form(email="bob@biller.com"))
    job = db.session.scalar(select(JobRecord).where(JobRecord.job.like("%push_signup")))
    assert job is not None and job.status == "failed"
    assert "Customer does not exist" in (job.error or "")
    row = db.session.scalar(select(Signup))
    assert (row.status, row.pushed_at) == ("subscribed", None)
