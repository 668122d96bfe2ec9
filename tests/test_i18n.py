"""The panel and the mails speak the store's language; money is written for its currency."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.i18n import money
from ecomapp.mail import smtp
from ecomapp.models import Order, Store
from tests.factories import make_store
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail, csrf_headers, make_customer, queue_mail

FORM = {"abandon_after_minutes": "60", "low_stock_threshold": "5", "alert_recipients": ""}


def _choose_language(client: FlaskClient, language: str) -> tuple[int, str]:
    headers = csrf_headers(client, "/settings")
    reply = client.post("/settings", data={**FORM, "language": language}, headers=headers)
    return reply.status_code, reply.get_data(as_text=True)


def test_a_store_switched_to_thai_shows_the_panel_in_thai_with_baht(client: FlaskClient) -> None:
    """Given a baht store, when the merchant picks ไทย in Settings, then pages are Thai and ฿."""
    seed_demo(SeedSize(customers=12, products=3, days=30, open_carts=0))
    store = db.session.scalar(select(Store))
    store.currency = "THB"
    db.session.execute(update(Order).values(currency="THB"))
    db.session.commit()
    assert 'lang="en"' in client.get("/").get_data(as_text=True)

    status, page = _choose_language(client, "th")
    assert status == 200 and "บันทึกแล้ว" in page  # "Saved." in Thai
    dashboard = client.get("/").get_data(as_text=True)
    assert 'lang="th"' in dashboard and "แดชบอร์ด" in dashboard and "รายได้ 30 วัน" in dashboard
    assert "฿" in dashboard and "{:,.2f}" not in dashboard
    orders = client.get("/orders").get_data(as_text=True)
    assert "วันที่สั่ง" in orders and "฿" in orders
    thai_heading = {
        "/email/": "จำนวนที่ส่งต่อวันและรายได้ที่มาจากอีเมล",
        "/email/settings": "ตั้งค่าอีเมล",
        "/email/templates": "เทมเพลตอีเมล",
        "/groups/": "กลุ่มลูกค้า",
        "/try/": "ทดลองร้านค้าตัวอย่าง",
        "/settings": "ตั้งค่าร้านค้า",
        "/stock/": "การเปลี่ยนการแสดงสินค้าบนหน้าร้าน",
        "/back-in-stock/": "ลูกค้าที่รออยู่",
        "/automations/": "คลังสูตรสำเร็จ",
        "/automations/runs": "บันทึกการทำงาน",
        "/automations/events": "เกิดขึ้นเมื่อ (UTC)",
        "/collections/": "คอลเลกชันอัจฉริยะ",
        "/segments/": "กลุ่มเป้าหมายใหม่",
        "/recommendations/": "ฝึกใหม่ตอนนี้",
    }
    for path, heading in thai_heading.items():
        assert heading in client.get(path).get_data(as_text=True), path


def test_an_unknown_language_is_refused_naming_the_field(client: FlaskClient) -> None:
    make_store(domain="demo.example.com", platform="demo")
    status, page = _choose_language(client, "xx")
    assert status == 422 and 'data-error="language"' in page and "Language" in page
    assert "language" not in db.session.scalar(select(Store)).settings


def test_a_thai_store_mails_its_customers_in_thai(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a store set to Thai in the panel, the welcome mail at the SMTP server is Thai."""
    store = make_store(domain="demo.example.com", platform="demo", name="ร้านใบชา")
    assert _choose_language(client, "th")[0] == 200
    with running_smtp() as server:
        configure_mail(store, backend="smtp", smtp_url=server.url)
        queue_mail(store, make_customer(store, first_name="สมชาย"), template_key="welcome")
        run_jobs()
        smtp.close_all()
        assert len(server.received) == 1
        mail = server.received[0].email
    assert str(mail["Subject"]) == "ยินดีต้อนรับสู่ ร้านใบชา คุณสมชาย!"
    html = mail.get_body(("html",)).get_content()
    assert 'lang="th"' in html and "ขอบคุณที่สมัครสมาชิกกับ ร้านใบชา" in html
    assert "ยกเลิกการรับข่าวสาร" in html  # the layout's unsubscribe link, in Thai


def test_money_follows_the_currency_and_language() -> None:
    assert money("1234.5", "THB", "th") == "฿1,234.50"
    assert money("1234", "JPY", "en") == "¥1,234"  # yen has no minor unit
    assert money("1234.5", "EUR", "en") == "€1,234.50"
    assert money("1234.5", "USD", "th") == "US$1,234.50"
    assert money(None, "USD", "en") == "—"


def test_every_marked_string_has_a_thai_translation_and_the_catalog_is_compiled() -> None:
    """The Thai catalog is complete, and the .mo shipped is compiled from the .po beside it."""
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    folder = Path(__file__).resolve().parent.parent / "translations" / "th" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    untranslated = [m.id for m in source if m.id and not m.string]
    assert untranslated == []
    assert {m.id: m.string for m in source if m.id} == {m.id: m.string for m in compiled if m.id}


def test_a_thai_baht_demo_store_from_the_cli(app: Flask, client: FlaskClient) -> None:
    """`flask seed-demo --currency THB --language th` gives a demo store in Thai with baht."""
    size = ["--customers", "15", "--products", "3", "--days", "20"]
    result = app.test_cli_runner().invoke(
        args=["seed-demo", *size, "--currency", "thb", "--language", "th"]
    )
    assert result.exit_code == 0, result.output
    store = db.session.scalar(select(Store))
    assert store.currency == "THB" and store.settings["language"] == "th"
    assert set(db.session.scalars(select(Order.currency))) == {"THB"}
    page = client.get("/orders").get_data(as_text=True)
    assert 'lang="th"' in page and "฿" in page and "คำสั่งซื้อ" in page
