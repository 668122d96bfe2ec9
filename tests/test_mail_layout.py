"""The layout around every mail: rendered ahead per store, each mail's own values in it."""

from __future__ import annotations

from flask import Flask

from ecomapp.extensions import db
from ecomapp.mail.layout import wrap
from ecomapp.mail.signing import unsubscribe_url
from ecomapp.models import Message
from tests.factories import make_store
from tests.mail_support import configure_mail, make_customer, queue_mail


def test_each_mail_of_a_store_has_its_own_subject_body_and_links(app: Flask) -> None:
    """Given two mails of one store, then each layout holds its own values, escaped."""
    store = make_store(name="Trail & Co")
    configure_mail(store)
    ann, bob = make_customer(store, first_name="Ann"), make_customer(store, first_name="Bob")
    first = queue_mail(store, ann, subject="For <Ann>", body="<p>Hi {{ customer.first_name }}</p>")
    second = queue_mail(
        store, bob, subject="For Bob", body="<p>Hello {{ customer.first_name }}</p>"
    )
    one, two = db.session.get(Message, first.id), db.session.get(Message, second.id)
    assert "<title>For &lt;Ann&gt;</title>" in one.html and "<p>Hi Ann</p>" in one.html
    assert "<title>For Bob</title>" in two.html and "<p>Hello Bob</p>" in two.html
    assert unsubscribe_url(one.id) in one.html and unsubscribe_url(one.id) not in two.html
    assert "Bob" not in one.html and "Ann" not in two.html
    assert "Trail &amp; Co" in one.html and "Trail &amp; Co" in two.html


def test_a_renamed_store_gets_its_new_name_in_the_next_mail(app: Flask) -> None:
    """Given a mail, when the store is renamed, then the next mail's layout has the new name."""
    store = make_store(name="Old Name")
    configure_mail(store)
    customer = make_customer(store)
    before = queue_mail(store, customer)
    store.name = "New Name"
    db.session.commit()
    after = queue_mail(store, customer)
    assert "Old Name" in db.session.get(Message, before.id).html
    html = db.session.get(Message, after.id).html
    assert "New Name" in html and "Old Name" not in html


def test_a_layout_without_links_has_no_unsubscribe_or_pixel(app: Flask) -> None:
    """Given no unsubscribe or pixel URL, then the layout has neither (and no hole marks)."""
    store = {"name": "Shop", "color": "#000", "logo_url": None, "address": "", "url": ""}
    html = wrap("<p>Body</p>", "Subject", store, unsubscribe_url=None, pixel_url=None)
    assert "data-unsubscribe" not in html and 'width="1" height="1"' not in html
    assert "<p>Body</p>" in html and "ecomappHole" not in html
