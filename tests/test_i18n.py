"""The panel and the mails speak the store's language; money is written for its currency."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from babel.messages.extract import extract_from_file
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from ecomapp.demo.seed import SeedSize, seed_demo
from ecomapp.extensions import db
from ecomapp.i18n import money
from ecomapp.mail import smtp
from ecomapp.models import Campaign, Order, Store, WooSite
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


# Pages of a Thai demo store in baht, with the templates whose marked strings they show.
THAI_PAGES: dict[str, tuple[str, ...]] = {
    "/fraud/": ("fraud_review/queue.html", "fraud_review/_actions.html"),
    "/fraud/settings": ("fraud_review/settings.html",),
    "/fraud/backtest?days=60": ("fraud_review/backtest.html",),
    "/campaigns/": ("campaigns/index.html",),
    "/automations/recipes": ("automations/recipes.html",),
    "/segments/": ("segments/index.html",),
    "/collections/": ("collections/index.html",),
    "/collections/new": ("collections/form.html",),
    "/recommendations/": ("recommendations/index.html",),
    "/stock/": ("inventory/stock.html",),
    "/back-in-stock/": ("inventory/back_in_stock.html",),
}


def _english_left(page: str, templates: tuple[str, ...]) -> list[str]:
    """Return the English source strings of the templates still in the page's main content."""
    main = page.split("<main>", 1)[1].split("</main>", 1)[0]
    main = html.unescape(
        re.sub(
            r'\s(?:value|name|id|class|href|action|for|hx-(?!confirm)[\w-]+|data-[\w-]+)="[^"]*"',
            "",
            main,
        )
    )
    root = Path(__file__).resolve().parent.parent / "templates"
    english = {
        message
        for template in templates
        for _, message, _, _ in extract_from_file("jinja2", str(root / template))
        if isinstance(message, str)
    }
    fragments = {
        part.strip()
        for message in english
        for part in re.split(r"%\(\w+\)[sr]", message)
        if len(part.strip()) >= 4 and re.search("[A-Za-z]{3}", part)
    }
    return sorted(f for f in fragments if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", main))


def _thai_baht_demo(client: FlaskClient) -> Store:
    seed_demo(SeedSize(customers=40, products=6, days=60, open_carts=0))
    store = db.session.scalar(select(Store))
    store.currency, store.settings = "THB", {**(store.settings or {}), "language": "th"}
    db.session.execute(update(Order).values(currency="THB"))
    db.session.commit()
    return store


def test_every_panel_page_of_a_thai_store_is_thai_with_baht(client: FlaskClient) -> None:
    """Given a Thai demo store in baht, the fraud, campaigns, recipes, segments, collections,
    recommendations and stock pages show none of their English source strings."""
    _thai_baht_demo(client)
    headers = csrf_headers(client, "/campaigns/")
    assert client.post("/campaigns/recipes/monthly_newsletter", headers=headers).status_code == 302
    campaign = db.session.scalar(select(Campaign))
    pages = THAI_PAGES | {
        f"/campaigns/{campaign.id}": ("campaigns/show.html", "campaigns/_version_form.html")
    }
    for path, templates in pages.items():
        reply = client.get(path)
        page = reply.get_data(as_text=True)
        assert reply.status_code == 200 and 'lang="th"' in page, path
        assert _english_left(page, templates) == [], path
        assert re.search("[\u0e00-\u0e7f]", page.split("<main>", 1)[1]), path
    queue = client.get("/fraud/").get_data(as_text=True)
    assert "ตรวจสอบการทุจริต" in queue and "ระงับไว้" in queue and "฿" in queue
    assert "ประเทศที่อยู่เรียกเก็บเงิน CA, ประเทศที่อยู่จัดส่ง US" in queue  # reasons, in Thai
    assert "billing country" not in queue and "is disposable" not in queue
    assert "จดหมายข่าวรายเดือน" in client.get("/campaigns/").get_data(as_text=True)
    show = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "วันจันทร์แรกของทุกเดือน เวลา 10:00" in show  # the schedule in Thai words


def test_a_thai_fraud_backtest_is_thai_while_queued_and_when_done(
    client: FlaskClient, run_jobs: Callable[[], None]
) -> None:
    """Given a Thai store, the backtest's page is Thai while it waits, once scored, and in
    the list of the last backtests."""
    _thai_baht_demo(client)
    headers = csrf_headers(client, "/fraud/backtest")
    reply = client.post("/fraud/backtest", data={"days": "60"}, headers=headers)
    location = reply.headers["Location"]
    queued = client.get(location).get_data(as_text=True)
    run_jobs()
    templates = ("fraud_review/backtest_result.html", "fraud_review/_backtest_result.html")
    done = client.get(location).get_data(as_text=True)
    listing = client.get("/fraud/backtest").get_data(as_text=True)
    assert "อยู่ในคิว" in queued and _english_left(queued, templates) == []
    assert "การตั้งค่าปัจจุบัน" in done and _english_left(done, templates) == []
    assert "เสร็จแล้ว" in listing
    assert _english_left(listing, ("fraud_review/backtest.html",)) == []


def test_a_thai_fraud_settings_refusal_is_thai(client: FlaskClient) -> None:
    """Given a Thai store, a non-number weight is refused naming the signal in Thai."""
    _thai_baht_demo(client)
    headers = csrf_headers(client, "/fraud/settings")
    reply = client.post("/fraud/settings", data={"signals.velocity.weight": "x"}, headers=headers)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "ต้องเป็นตัวเลข" in page
    assert "คำสั่งซื้อถี่ผิดปกติ" in page


def test_thai_store_refusals_on_collections_and_back_in_stock_are_thai(client: FlaskClient) -> None:
    """Given a Thai store, a bad collection form and a bad expiry are refused in Thai."""
    _thai_baht_demo(client)
    headers = csrf_headers(client, "/collections/new")
    form = {"title": "", "kind": "best_sellers", "days": "999"}
    page = client.post("/collections/new", data=form, headers=headers).get_data(as_text=True)
    assert "จำเป็นต้องกรอก ไม่เกิน 255 ตัวอักษร" in page and "ต้องเป็นจำนวนเต็มตั้งแต่ 1 ถึง 365" in page
    reply = client.post("/back-in-stock/", data={"expiry_days": "0"}, headers=headers)
    assert reply.status_code == 422 and "จำนวนวันเป็นจำนวนเต็มตั้งแต่ 1 ถึง 365" in reply.get_data(
        as_text=True
    )


def test_the_woocommerce_pages_of_a_thai_store_are_thai(client: FlaskClient) -> None:
    """Given a connected WooCommerce store in Thai, its page and the connect form are Thai."""
    store = make_store(platform="woocommerce", settings={"language": "th"})
    db.session.add(
        WooSite(
            store_id=store.id,
            url="https://shop.example.com",
            hook_token="t" * 32,
            sync_state={"status": "done", "order": {"done": 3, "total": 3}},
        )
    )
    db.session.commit()
    with client.session_transaction() as session:
        session["store_id"] = store.id
    page = client.get("/woocommerce").get_data(as_text=True)
    assert _english_left(page, ("woocommerce/settings.html",)) == []
    assert "ปลั๊กอินคู่กัน" in page and "เสร็จแล้ว" in page and "คำสั่งซื้อ 3/3" in page
    with client.session_transaction() as session:
        session.clear()  # the connect form is for a new store: the browser's language
    headers = {"Accept-Language": "th"}
    connect = client.get("/woocommerce/connect", headers=headers).get_data(as_text=True)
    assert _english_left(connect, ("woocommerce/connect.html",)) == []
    token = connect.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "store_url": "http://shop.example.com"}
    refused = client.post("/woocommerce/connect", data=form, headers=headers)
    assert refused.status_code == 400
    assert "URL ของร้านต้องขึ้นต้นด้วย https://" in refused.get_data(as_text=True)
