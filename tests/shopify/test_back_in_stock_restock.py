"""A restock through Shopify's signed inventory webhook notifies waiting shoppers, each once."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.automation.recipes import build_recipe
from ecomapp.extensions import db
from ecomapp.mail import smtp
from ecomapp.models import BackInStockRequest, Store
from tests.automation_support import make_automation
from tests.fakes.shopify_server import FakeShopify, fixture
from tests.fakes.smtp_server import running_smtp
from tests.mail_support import configure_mail
from tests.push_support import push_ready
from tests.shopify.support import SECRET, deliver, installed
from tests.storefront_support import proxy_query

SHOP = "restock-shop.myshopify.com"
ITEM = 808950810
WAREHOUSE = 24826418
CONSENT = "Tell me once when it is back."


def _out_of_stock_product(client: FlaskClient, run_jobs: Callable[[], None]) -> str:
    product = fixture("products_create.json")
    product["variants"][0] |= {"inventory_item_id": ITEM, "inventory_quantity": 0}
    deliver(client, "products/create", json.dumps(product).encode(), SHOP)
    run_jobs()
    return str(product["variants"][0]["id"])


def _ask(client: FlaskClient, store: Store, form: dict[str, str]) -> None:
    query = proxy_query(store.domain, secret=SECRET)
    body = form | {"consent": "1", "consent_text": CONSENT}
    reply = client.post(f"/storefront/back-in-stock?{query}", data=body)
    assert reply.status_code == 201, reply.get_data(as_text=True)


def _level(client: FlaskClient, available: int, at: str) -> bytes:
    body = fixture("inventory_levels_update.json") | {
        "inventory_item_id": ITEM,
        "location_id": WAREHOUSE,
        "available": available,
        "updated_at": f"2026-03-01T{at}:00-05:00",
    }
    raw = json.dumps(body).encode()
    assert deliver(client, "inventory_levels/update", raw, SHOP).status_code == 200
    return raw


def test_restock_notifies_as_many_as_came_back_in_order_each_once(
    app: Flask, client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given five shoppers waiting (four by e-mail, the third by push) and the recipe on, when
    3 units come back, then the first three are told (two mails, one decrypted push); when the
    variant sells out and 2 come back, the last two; a repeated webhook tells nobody again."""
    store = installed(fake, SHOP)
    variant_id = _out_of_stock_product(client, run_jobs)
    make_automation(store, build_recipe("back_in_stock", {})[1])
    with running_smtp() as mail, push_ready(app) as push:
        configure_mail(store, backend="smtp", smtp_url=mail.url)
        sub = json.dumps(push.browser("c").subscription(push.url))
        for form in (
            {"email": "a@example.com"},
            {"email": "b@example.com"},
            {"subscription": sub},
            {"email": "d@example.com"},
            {"email": "e@example.com"},
        ):
            _ask(client, store, {"variant_id": variant_id, **form})
        first = _level(client, 3, "10:00")
        run_jobs()
        run_jobs()
        smtp.close_all()
        after_first = sorted(r.rcpt_tos[0] for r in mail.received)
        pushed = list(push.delivered)
        _level(client, 0, "11:00")
        _level(client, 2, "12:00")
        deliver(client, "inventory_levels/update", first, SHOP)  # Shopify delivers twice
        run_jobs()
        run_jobs()
        smtp.close_all()
        everyone = sorted(r.rcpt_tos[0] for r in mail.received)
    assert after_first == ["a@example.com", "b@example.com"]
    assert len(pushed) == 1 and pushed[0]["browser"] == "c" and not push.refused
    assert pushed[0]["title"].endswith("is back in stock")
    assert pushed[0]["url"].startswith("http://127.0.0.1:5000/p/c/")
    assert everyone == ["a@example.com", "b@example.com", "d@example.com", "e@example.com"]
    assert len(push.delivered) == 1
    statuses = db.session.scalars(select(BackInStockRequest.status).order_by(BackInStockRequest.id))
    assert list(statuses) == ["notified"] * 5
    subject = mail.received[0].email["Subject"]
    assert subject.endswith("is back in stock")
