"""Post-purchase recommendations: a signed Shopify order, seven days later, one mail whose grid
holds related products, none bought, none out of stock, none unpublished."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import time_machine
from flask import Flask
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.mirror.records import LineRecord
from ecomapp.models import Attribution, ProductRecommendation, RecoRun, RunStep, Store, utcnow
from tests.automation_support import make_automation, run_at
from tests.factories import make_order, make_product
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail
from tests.shopify.support import deliver, installed

SHOP = "trail-gear.myshopify.com"
# platform id -> (title, category, stock, status); the jacket sells with all of its partners
CATALOG = {
    "9001": ("Rain Shell", "Jackets", 10, "active"),
    "9002": ("Wool Beanie", "Accessories", 10, "active"),  # bought with the jacket
    "9003": ("Merino Socks", "Accessories", 0, "active"),  # a partner, out of stock
    "9004": ("Trekking Poles", "Accessories", 10, "active"),  # a partner
    "9005": ("Water Bottle", "Accessories", 10, "draft"),  # a partner, unpublished
    "9006": ("Hip Pack", "Packs", 10, "active"),  # a partner
    "9007": ("Tent 2P", "Camp", 10, "active"),  # never bought with the jacket
}


def _line(pid: str) -> LineRecord:
    title, category, _, _ = CATALOG[pid]
    return LineRecord(
        platform_id=None, title=title, quantity=1, price=Decimal("20.00"),
        product_platform_id=pid, product_type=category,
    )  # fmt: skip


def _history(store: Store) -> None:
    for pid, (title, category, stock, status) in CATALOG.items():
        make_product(
            store, platform_id=pid, title=title, product_type=category, stock=stock,
            status=status, handle=title.lower().replace(" ", "-"),
            image_url=f"https://cdn.example.com/{pid}.jpg",
        )  # fmt: skip
    placed = utcnow() - timedelta(days=20)
    for n, partner in enumerate(["9002", "9003", "9004", "9005", "9006"] * 3):
        make_order(store, lines=[_line("9001"), _line(partner)], placed_at=placed)
        if n % 5 == 0:
            make_order(store, lines=[_line("9007")], placed_at=placed)


def _order_body(order_id: int = 5550001, products: tuple[int, int] = (9001, 9002)) -> bytes:
    body = fixture("orders_paid.json")
    body |= {"id": order_id, "name": f"#{order_id}", "financial_status": "paid"}
    now = utcnow().isoformat()
    body |= {"cancelled_at": None, "created_at": now, "processed_at": now, "updated_at": now}
    body["admin_graphql_api_id"] = f"gid://shopify/Order/{order_id}"
    body["customer"] |= {
        "id": 7770001,
        "admin_graphql_api_id": "gid://shopify/Customer/7770001",
        "email": "ada@example.com",
        "first_name": "Ada",
        "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"},
    }
    body["email"] = "ada@example.com"
    lines = body["line_items"][:2]
    for n, (line, pid) in enumerate(zip(lines, products, strict=True)):
        title = CATALOG[str(pid)][0]
        line |= {"id": order_id * 10 + n, "product_id": pid, "title": title, "variant_id": None}
    body["line_items"] = lines
    body.pop("refunds", None)
    return json.dumps(body).encode()


def test_order_leads_seven_days_later_to_one_mail_of_related_products(
    app: Flask, client, fake: FakeShopify, time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given a trained store and the recipe on, when a signed order for the jacket and the
    beanie arrives, then 7 days later exactly one mail shows poles and hip pack only."""
    start = utcnow()
    time_machine.move_to(start, tick=False)
    store = installed(fake, SHOP)
    _history(store)
    with running_smtp() as server:
        configure_mail(store, backend="smtp", smtp_url=server.url)
        run_at(app, start)  # the nightly training job is recorded as due …
        run_at(app, start + timedelta(seconds=1))  # … and runs: it trains every store
        assert db.session.scalar(select(RecoRun.status)) == "done"
        _, definition = build_recipe("post_purchase_recommendations", {"days": "7"})
        automation = make_automation(store, definition)
        assert deliver(client, "orders/paid", _order_body(), SHOP).status_code == 200
        run_at(app, start + timedelta(minutes=1))
        run_at(app, start + timedelta(days=6, hours=23))
        assert server.received == []
        later = start + timedelta(days=7, minutes=5)
        time_machine.move_to(later, tick=False)
        run_at(app, later)
        run_at(app, later + timedelta(minutes=1))
        smtp.close_all()
        assert [m.email["To"] for m in server.received] == ["ada@example.com"]
        html = server.received[0].email.get_body(("html",)).get_content()
    shown = re.findall(r'data-product-id="(\d+)"', html)
    titles = {CATALOG[p][0] for p in CATALOG} & set(re.findall(r"<strong>([^<]+)</strong>", html))
    assert titles == {"Trekking Poles", "Hip Pack"}, html
    assert len(shown) == 2 and "$20.00" in html
    assert db.session.scalar(select(db.func.count()).select_from(ProductRecommendation)) > 0
    click = re.search(r'href="http://127\.0\.0\.1:5000(/m/c/[^"]+)"', html)
    assert click is not None  # product links go through the tracked redirect
    assert client.get(click.group(1)).status_code in (302, 303)
    time_machine.move_to(later + timedelta(hours=1), tick=False)
    assert (
        deliver(client, "orders/paid", _order_body(5550002, (9004, 9006)), SHOP).status_code == 200
    )
    run_at(app, later + timedelta(hours=1))
    credited = db.session.scalar(select(Attribution))
    assert credited is not None and credited.touch == "click"
    assert credited.automation_id == automation.id


def test_recommendations_step_is_skipped_with_a_reason_when_nothing_is_good_enough(
    app: Flask, client, fake: FakeShopify, time_machine: time_machine.TimeMachineFixture
) -> None:
    """Given an untrained store, when the order's wait ends, then no mail and the step says why."""
    start = utcnow()
    time_machine.move_to(start, tick=False)
    store = installed(fake, SHOP)
    for pid, (title, category, stock, status) in CATALOG.items():
        make_product(store, platform_id=pid, title=title, product_type=category, stock=stock,
                     status=status)  # fmt: skip
    _, definition = build_recipe("post_purchase_recommendations", {"days": "7"})
    make_automation(store, definition)
    assert deliver(client, "orders/paid", _order_body(), SHOP).status_code == 200
    run_at(app, start + timedelta(minutes=1))
    later = start + timedelta(days=7, minutes=5)
    time_machine.move_to(later, tick=False)
    db.session.execute(db.delete(ProductRecommendation))  # nothing learned
    run_at(app, later)
    step = db.session.scalar(select(RunStep).where(RunStep.kind == "send_recommendations"))
    assert step is not None and "skipped" in json.dumps(step.detail)
