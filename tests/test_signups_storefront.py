"""Signup forms through the storefront doors: double opt-in, refusals, honeypot, rate limit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.models import ConsentRecord, Event, Signup, Store
from ecomapp.models.types import utcnow
from tests.automation_support import count
from tests.factories import make_product, make_store
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail
from tests.signup_support import CONSENT, confirm_link, signup_form
from tests.storefront_support import plugin_post, proxy_post, proxy_query, woo_store_with_plugin


def _shop() -> Store:
    store = make_store("shopify", domain="signup-shop.myshopify.com", name="Signup Shop")
    make_product(store, product_type="Shoes")
    make_product(store, product_type="Bags")
    return store


def test_signup_mails_one_link_and_subscribes_only_once_confirmed(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a shop, when a shopper signs up through the app proxy, then one mail with a link
    reaches the loopback SMTP server and nothing is subscribed; a GET of the link asks, the POST
    subscribes with the consent wording kept and one customer.subscribed; the link is single-use."""
    store = _shop()
    with running_smtp() as mail:
        configure_mail(store, backend="smtp", smtp_url=mail.url)
        form = signup_form(phone="+66 81 234 5678", interests="Shoes")
        reply = proxy_post(client, store, "signup", form)
        assert reply.status_code == 201, reply.get_data(as_text=True)
        again = proxy_post(client, store, "signup", form)
        run_jobs()
        smtp.close_all()
        received = list(mail.received)
    assert again.status_code == 200 and len(received) == 1
    assert received[0].rcpt_tos == ["ann@example.com"]
    row = db.session.scalar(select(Signup))
    assert (row.status, row.interests, row.phone) == ("pending", ["Shoes"], "+66812345678")
    assert count(ConsentRecord) == 0 and count(Event, Event.type == "customer.subscribed") == 0
    link = confirm_link(received[0])
    page = client.get(link)
    assert page.status_code == 200 and b'data-state="ask"' in page.data
    assert db.session.scalar(select(Signup.status)) == "pending"
    done = client.post(link)
    assert done.status_code == 200 and b'data-state="confirmed"' in done.data
    consent = db.session.scalar(select(ConsentRecord))
    assert (consent.email, consent.granted, consent.wording) == ("ann@example.com", True, CONSENT)
    events = db.session.scalars(select(Event).where(Event.type == "customer.subscribed")).all()
    assert [e.data["interests"] for e in events] == [["Shoes"]]
    used = client.post(link)
    assert b'data-state="already"' in used.data
    assert count(Event, Event.type == "customer.subscribed") == 1 and count(ConsentRecord) == 1


def test_a_repeat_after_confirming_changes_nothing(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a confirmed subscriber, when the same address signs up again, then 200, no second
    mail and no second event."""
    store = _shop()
    with running_smtp() as mail:
        configure_mail(store, backend="smtp", smtp_url=mail.url)
        proxy_post(client, store, "signup", signup_form())
        run_jobs()
        client.post(confirm_link(mail.received[0]))
        reply = proxy_post(client, store, "signup", signup_form(name="Someone Else"))
        run_jobs()
        smtp.close_all()
        received = list(mail.received)
    assert reply.status_code == 200 and reply.json["status"] == "subscribed"
    assert len(received) == 1 and count(Event, Event.type == "customer.subscribed") == 1
    assert db.session.scalar(select(Signup.name)) == "Ann Lee"


def test_expired_and_forged_links_subscribe_no_one(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a pending signup, when its link is used after 72 hours, then 410 and still pending;
    a forged token is 404; signing up again mails a fresh link that works."""
    store = _shop()
    with running_smtp() as mail:
        configure_mail(store, backend="smtp", smtp_url=mail.url)
        proxy_post(client, store, "signup", signup_form())
        run_jobs()
        link = confirm_link(mail.received[0])
        with time_machine.travel(utcnow() + timedelta(hours=73), tick=False):
            late = client.post(link)
            assert late.status_code == 410 and b'data-state="expired"' in late.data
            assert client.post(link[:-3] + "xyz").status_code == 404
            assert proxy_post(client, store, "signup", signup_form()).status_code == 201
            run_jobs()
            smtp.close_all()
            fresh = confirm_link(mail.received[1])
            assert client.post(link).status_code == 410  # replaced by the fresh one
            assert client.post(fresh).status_code == 200
    assert db.session.scalar(select(Signup.status)) == "subscribed"


def test_bad_input_gets_a_message_naming_the_field(client: FlaskClient) -> None:
    """Given bad fields, then a 4xx JSON message naming the field, and nothing recorded."""
    store = _shop()
    cases = {
        "email": signup_form(email="not-an-address"),
        "consent": signup_form(consent=""),
        "phone": signup_form(phone="call me maybe"),
        "interests": signup_form(interests="Spaceships"),
        "name": signup_form(name="x" * 201),
    }
    for field, form in cases.items():
        reply = proxy_post(client, store, "signup", form)
        assert reply.status_code == 400, (field, reply.status_code)
        assert reply.json["message"].startswith(f"{field}:" if field != "consent" else "consent")
    assert count(Signup) == 0


def test_forged_requests_are_refused(client: FlaskClient) -> None:
    """Given a proxy signature made with another secret or a plugin body signed wrongly, then
    401 and nothing recorded."""
    store = _shop()
    query = proxy_query(store.domain, secret="not-the-app-secret")
    assert client.post(f"/storefront/signup?{query}", data=signup_form()).status_code == 401
    woo = woo_store_with_plugin()
    headers = {"X-Ecomapp-Store": str(woo.id), "X-Ecomapp-Signature": "Zm9yZ2Vk"}
    forged = client.post("/storefront/signup", json=signup_form(), headers=headers)
    assert forged.status_code == 401 and count(Signup) == 0


def test_honeypot_and_rate_limit_stop_bots(client: FlaskClient) -> None:
    """Given a bot filling the hidden field, then it sees success but nothing is recorded; given
    more than five signups from one IP in ten minutes, then 429 with a message."""
    store = _shop()
    bot = proxy_post(client, store, "signup", signup_form(website="http://spam.example"))
    assert bot.status_code == 201 and count(Signup) == 0
    woo = woo_store_with_plugin()
    body = signup_form(consent=True, client_ip="203.0.113.9")
    replies = [
        plugin_post(client, woo, "signup", body | {"email": f"s{n}@example.com"}).status_code
        for n in range(6)
    ]
    assert replies == [201] * 5 + [429]
    other = plugin_post(client, woo, "signup", body | {"client_ip": "198.51.100.4"})
    assert other.status_code == 201 and count(Signup) == 5 + 1


def test_the_plugin_reads_the_interests_it_may_offer(client: FlaskClient) -> None:
    """Given a store with two categories, when the plugin asks (signed, empty body), then it
    gets them; unsigned, 401."""
    from ecomapp.platforms.woocommerce.webhooks import signature
    from tests.storefront_support import PLUGIN_SECRET

    store = woo_store_with_plugin()
    make_product(store, product_type="Tea")
    make_product(store, product_type="Cups")
    headers = {
        "X-Ecomapp-Store": str(store.id),
        "X-Ecomapp-Signature": signature(PLUGIN_SECRET, b""),
    }
    assert client.get("/storefront/signup/interests", headers=headers).json == {
        "interests": ["Cups", "Tea"]
    }
    assert client.get("/storefront/signup/interests").status_code == 401


def test_a_thai_store_mails_and_confirms_in_thai(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a store in Thai, then the confirmation mail and the confirm page are in Thai."""
    store = make_store("shopify", domain="thai-shop.myshopify.com", settings={"language": "th"})
    with running_smtp() as mail:
        configure_mail(store, backend="smtp", smtp_url=mail.url)
        assert proxy_post(client, store, "signup", signup_form()).status_code == 201
        run_jobs()
        smtp.close_all()
        received = list(mail.received)
    assert str(received[0].email["Subject"]).startswith("ยืนยันการสมัครรับข่าวสาร")
    page = client.get(confirm_link(received[0])).get_data(as_text=True)
    assert "ยืนยันการสมัครของฉัน" in page
    done = client.post(confirm_link(received[0])).get_data(as_text=True)
    assert "คุณสมัครรับข่าวสารเรียบร้อยแล้ว" in done


def test_welcome_series_follows_up_unless_the_subscriber_unsubscribed(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given the welcome series on and two confirmed subscribers, when one unsubscribes and the
    wait passes, then only the other gets the follow-up."""
    from ecomapp.automation.recipes import build_recipe
    from ecomapp.mail.suppressions import suppress
    from ecomapp.models import SuppressionReason
    from tests.automation_support import make_automation

    store = _shop()
    make_automation(store, build_recipe("welcome_subscribers", {"days": "3"})[1])
    with running_smtp() as mail:
        configure_mail(store, backend="smtp", smtp_url=mail.url, frequency_cap_hours=0)
        for email in ("stay@example.com", "leave@example.com"):
            assert proxy_post(client, store, "signup", signup_form(email)).status_code == 201
        run_jobs()
        for received in list(mail.received):
            assert client.post(confirm_link(received)).status_code == 200
        run_jobs()
        suppress(store, "leave@example.com", SuppressionReason.UNSUBSCRIBE, None, "test")
        db.session.commit()
        with time_machine.travel(utcnow() + timedelta(days=3, hours=1), tick=False):
            run_jobs()
            run_jobs()
        smtp.close_all()
        got = sorted((m.rcpt_tos[0], str(m.email["Subject"]).split(" ")[0]) for m in mail.received)
    assert got == [
        ("leave@example.com", "Confirm"),
        ("leave@example.com", "Welcome"),
        ("stay@example.com", "Confirm"),
        ("stay@example.com", "New"),
        ("stay@example.com", "Welcome"),
    ]


def test_unconfirmed_signups_are_deleted_a_week_after_their_link_expired(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given one confirmed and one never-confirmed signup, when the retention job runs a week
    after the link expired, then only the address that never consented is gone."""
    from ecomapp.jobs.retention import prune

    store = _shop()
    with running_smtp() as mail:
        configure_mail(store, backend="smtp", smtp_url=mail.url)
        proxy_post(client, store, "signup", signup_form("kept@example.com"))
        proxy_post(client, store, "signup", signup_form("never@example.com"))
        run_jobs()
        smtp.close_all()
        kept = next(m for m in mail.received if m.rcpt_tos == ["kept@example.com"])
        assert client.post(confirm_link(kept)).status_code == 200
    with time_machine.travel(utcnow() + timedelta(days=9), tick=False):
        assert prune()["unconfirmed_signups"] == 0  # expired 6 days ago: still says "expired"
    with time_machine.travel(utcnow() + timedelta(days=11), tick=False):
        assert prune()["unconfirmed_signups"] == 1
    assert db.session.scalars(select(Signup.email)).all() == ["kept@example.com"]
