"""Opens and clicks through signed links, attribution of orders, and the Email dashboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.mail import MailRequest, send_email
from ecomapp.mail.signing import CLICK, sign
from ecomapp.models import Attribution, Customer, Message, Store, TrackingEvent, utcnow
from tests.factories import customer_record, make_order, make_store
from tests.mail_support import configure_mail, make_customer, queue_mail

SHOP_LINK = "https://shop.example.com/collections/new?utm=mail&x=1"


def _sent(run_jobs: Callable[[], None], store: Store | None = None, **fields: object) -> Message:
    store = store or make_store()
    customer = fields.pop("customer", None) or make_customer(store)
    message = send_email(
        store,
        MailRequest(
            to=customer.email,
            template_key="generic",
            idempotency_key=f"auto:{fields.get('automation_id', 7)}:{customer.id}",
            kind="marketing",
            customer_id=customer.id,
            automation_id=fields.get("automation_id", 7),  # type: ignore[arg-type]
            subject="News from {{ store.name }}",
            body=f'<p>Hi {{{{ customer.first_name }}}}, <a href="{SHOP_LINK}">new in</a></p>',
        ),
    )
    db.session.commit()
    run_jobs()
    return db.session.get(Message, message.id)


def _path(message: Message, kind: str) -> str:
    found = re.search(rf'http://127\.0\.0\.1:5000(/m/{kind}/[^"]+)"', message.html)
    assert found is not None
    return found.group(1).replace("&amp;", "&")


def test_links_are_rewritten_and_click_redirects_to_the_shop(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a sent mail, when its link is clicked, then the click is recorded and we redirect."""
    message = _sent(run_jobs)
    assert f'href="{SHOP_LINK}"' not in message.html.replace("&amp;", "&")
    response = client.get(_path(message, "c"))
    assert response.status_code == 302 and response.headers["Location"] == SHOP_LINK
    row = db.session.get(Message, message.id)
    assert row.clicked_at is not None and row.opened_at is not None
    assert db.session.scalar(select(TrackingEvent.url)) == SHOP_LINK


def test_altered_or_unsigned_click_link_is_refused(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a click link whose target was changed or never signed, then 404 and no redirect."""
    message = _sent(run_jobs)
    forged = sign("another-purpose", [message.id, "https://evil.example"])
    good = _path(message, "c")
    payload, signature = good.rsplit(".", 1)
    swapped = sign(CLICK, [message.id, "https://evil.example"]).split(".")[0]
    for path in (
        f"/m/c/{forged}",
        f"{payload}.{signature[:-2]}xx",
        f"/m/c/{swapped}.{signature}",
        "/m/c/https://evil.example",
    ):
        response = client.get(path)
        assert response.status_code == 404 and "Location" not in response.headers
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0


def test_open_pixel_records_an_open(client: FlaskClient, run_jobs: Callable[[], None]) -> None:
    """Given the pixel is fetched, then a GIF comes back and the open is recorded once per view."""
    message = _sent(run_jobs)
    response = client.get(_path(message, "o"))
    assert response.status_code == 200 and response.mimetype == "image/gif"
    assert response.headers["Cache-Control"].startswith("no-store")
    assert db.session.get(Message, message.id).opened_at is not None


def _order_for(customer: Customer, store: Store, total: str, days_after: float) -> None:
    record = customer_record(platform_id=customer.platform_id, email=customer.email)
    make_order(
        store, customer=record, total_price=total, placed_at=utcnow() + timedelta(days=days_after)
    )


def test_order_within_window_after_a_click_is_attributed(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a click, when the customer orders 2 days later, then revenue goes to the automation."""
    message = _sent(run_jobs)
    client.get(_path(message, "c"))
    customer = db.session.get(Customer, message.customer_id)
    _order_for(customer, db.session.get(Store, message.store_id), "80.00", 2)
    run_jobs()
    row = db.session.scalar(select(Attribution))
    assert row.message_id == message.id and row.automation_id == 7 and row.touch == "click"
    assert row.revenue == Decimal("80.00")


def test_order_after_the_window_is_not_attributed(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given an open, when the customer orders 6 days later (window 5), then nothing is credited."""
    message = _sent(run_jobs)
    client.get(_path(message, "o"))
    customer = db.session.get(Customer, message.customer_id)
    _order_for(customer, db.session.get(Store, message.store_id), "80.00", 6)
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(Attribution)) == 0


def test_attribution_window_is_configurable(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a 10-day window, when the customer orders 6 days after an open, then it counts."""
    store = make_store()
    configure_mail(store, attribution_days=10)
    message = _sent(run_jobs, store)
    client.get(_path(message, "o"))
    _order_for(db.session.get(Customer, message.customer_id), store, "30.00", 6)
    run_jobs()
    assert db.session.scalar(select(Attribution.touch)) == "open"


def test_order_without_any_engagement_is_not_attributed(run_jobs: Callable[[], None]) -> None:
    """Given a mail never opened or clicked, then a later order is not credited to it."""
    message = _sent(run_jobs)
    customer = db.session.get(Customer, message.customer_id)
    _order_for(customer, db.session.get(Store, message.store_id), "80.00", 1)
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(Attribution)) == 0


def test_latest_touch_wins(client: FlaskClient, run_jobs: Callable[[], None]) -> None:
    """Given clicks on two automations' mails, then the order goes to the later one."""
    store = make_store()
    customer = make_customer(store)
    older = _sent(run_jobs, store, customer=customer, automation_id=1)
    newer = _sent(run_jobs, store, customer=customer, automation_id=2)
    client.get(_path(older, "c"))
    client.get(_path(newer, "c"))
    db.session.execute(
        update(TrackingEvent)
        .where(TrackingEvent.message_id == older.id)
        .values(created_at=utcnow() - timedelta(days=1))
    )
    db.session.commit()
    _order_for(customer, store, "45.00", 1)
    run_jobs()
    assert db.session.scalar(select(Attribution.automation_id)) == 2


def test_dashboard_shows_attributed_revenue_per_automation(
    client: FlaskClient, run_jobs: Callable[[], None], time_machine: TimeMachineFixture
) -> None:
    """Given a click and an order, then the Email page shows sent, clicks, orders and revenue."""
    time_machine.move_to(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))  # outside quiet hours
    message = _sent(run_jobs)
    other = queue_mail(
        db.session.get(Store, message.store_id),
        None,
        automation_id=7,
        to="x@example.com",
        kind="transactional",
    )
    run_jobs()
    client.get(_path(message, "c"))
    customer = db.session.get(Customer, message.customer_id)
    _order_for(customer, db.session.get(Store, message.store_id), "120.00", 0.5)
    run_jobs()
    page = client.get("/email/").get_data(as_text=True)
    row = re.search(r'<tr data-automation="7">(.*?)</tr>', page, re.S).group(1)
    cells = dict(re.findall(r'data-col="(\w+)">([^<]*)', row))
    assert cells["sent"] == "2" and cells["delivered"] == "2" and cells["orders"] == "1"
    assert cells["clicked"].strip() == "1" and cells["revenue"] == "$120.00"
    assert cells["rpr"] == "$60.00"
    assert 'data-testid="mail-chart"' in page and "<polyline" in page
    assert db.session.get(Message, other.id).status == "sent"
