"""The periodic retention job prunes personal data past its keeping time, and nothing newer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.mirror.carts import apply_cart
from ecomapp.mirror.records import CartRecord
from ecomapp.models import Cart, DataExport, InboxDelivery, Message, Store, utcnow
from ecomapp.privacy import RETENTION_JOB
from ecomapp.registries import registries
from ecomapp.webhooks.inbox import record_delivery
from tests.factories import make_store
from tests.mail_support import queue_mail
from tests.privacy_support import count


def _failed_delivery(store: Store, external_id: str) -> None:
    record_delivery("demo", external_id, "order", b'{"no": "platform id"}', store_id=store.id)


def _personal_rows(store: Store) -> None:
    _failed_delivery(store, "bad-old")
    db.session.add(DataExport(store_id=store.id, customer_platform_id="9", data={"e": "a@b.c"}))
    record = CartRecord(platform_id="k1", email="quiet@example.com", updated_at=utcnow())
    apply_cart(store, record)
    queue_mail(store, to="old@example.com", kind="transactional")


def test_retention_prunes_old_personal_data_and_keeps_recent_rows(
    run_jobs: Callable[[], None], time_machine: TimeMachineFixture
) -> None:
    """Given a failed delivery, a data export, a quiet cart and an e-mail, when the periodic
    job runs 400 days later, then the raw body and export are deleted, the cart's e-mail and
    the e-mail's content are blanked, and a failed delivery from today is kept."""
    assert registries().periodic[RETENTION_JOB] == 6 * 3600
    store = make_store()
    _personal_rows(store)
    run_jobs()
    assert db.session.scalar(select(InboxDelivery.status)) == "failed"
    time_machine.move_to(utcnow() + timedelta(days=400), tick=True)
    _failed_delivery(store, "bad-new")
    run_jobs()
    run_jobs()
    assert list(db.session.scalars(select(InboxDelivery.external_id))) == ["bad-new"]
    assert count(DataExport) == 0
    assert db.session.scalar(select(Cart.email)) is None
    message = db.session.scalar(select(Message))
    assert (message.html, message.text, message.context) == ("", "", {})
