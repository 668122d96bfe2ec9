"""Initial sync through Bulk Operations (JSONL), its progress, the CLI, and reconciliation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import time_machine
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from ecomapp.extensions import db
from ecomapp.insights.fraud import score_order
from ecomapp.insights.fraud.mirror_facts import load_order_facts
from ecomapp.models import Customer, Event, JobRecord, Order, Product, Store, Variant
from ecomapp.platforms.shopify.bulk import SYNC_JOB
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.support import installed, session_token

SHOP = "super-toys.myshopify.com"


def _money(amount: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount}}


def bulk_data(products: int, customers: int, orders: int) -> dict[str, list[dict[str, Any]]]:
    """Return JSONL lines shaped like Shopify's bulk output (children carry __parentId)."""
    product_lines: list[dict[str, Any]] = []
    for p in range(1, products + 1):
        gid = f"gid://shopify/Product/{p}"
        product_lines.append(
            {
                "id": gid,
                "title": f"Product {p}",
                "handle": f"p-{p}",
                "vendor": "Acme",
                "productType": "Shirts",
                "tags": ["summer"],
                "status": "ACTIVE",
                "createdAt": "2025-01-01T00:00:00Z",
                "updatedAt": "2025-02-01T00:00:00Z",
                "featuredImage": None,
            }
        )
        for v in (1, 2):
            product_lines.append(
                {
                    "id": f"gid://shopify/ProductVariant/{p}0{v}",
                    "title": f"Size {v}",
                    "sku": f"SKU-{p}-{v}",
                    "price": "19.99",
                    "inventoryQuantity": 5,
                    "inventoryItem": {"id": f"gid://shopify/InventoryItem/{p}0{v}"},
                    "__parentId": gid,
                }
            )
    customer_lines = [
        {
            "id": f"gid://shopify/Customer/{c}",
            "firstName": "Ada",
            "lastName": f"No{c}",
            "tags": ["vip"] if c % 10 == 0 else [],
            "createdAt": "2025-01-01T00:00:00Z",
            "updatedAt": "2025-03-01T00:00:00Z",
            "defaultEmailAddress": {
                "emailAddress": f"ada{c}@example.com",
                "marketingState": "SUBSCRIBED",
            },
            "defaultPhoneNumber": None,
            "defaultAddress": {
                "company": None,
                "city": "Ottawa",
                "province": "Ontario",
                "countryCodeV2": "CA",
                "zip": "K2P 2L8",
            },
        }
        for c in range(1, customers + 1)
    ]
    order_lines: list[dict[str, Any]] = []
    for o in range(1, orders + 1):
        gid = f"gid://shopify/Order/{o}"
        order_lines.append(
            {
                "id": gid,
                "name": f"#{1000 + o}",
                "email": f"ada{o}@example.com",
                "createdAt": "2025-04-01T10:00:00Z",
                "processedAt": "2025-04-01T10:00:00Z",
                "updatedAt": "2025-04-01T10:05:00Z",
                "cancelledAt": None,
                "closedAt": None,
                "displayFinancialStatus": "PAID",
                "displayFulfillmentStatus": "UNFULFILLED",
                "currencyCode": "CAD",
                "tags": [],
                "discountCodes": ["WELCOME5"] if o % 7 == 0 else [],
                "note": None,
                "clientIp": "203.0.113.9",
                "customer": {"id": f"gid://shopify/Customer/{o}"},
                "totalPriceSet": _money("39.98"),
                "subtotalPriceSet": _money("39.98"),
                "totalDiscountsSet": _money("0.00"),
                "totalTaxSet": _money("0.00"),
                "totalRefundedSet": _money("0.00"),
                "shippingLine": {"title": "Standard"},
                "paymentGatewayNames": ["shopify_payments"],
                "billingAddress": None,
                "shippingAddress": {
                    "name": "Ada",
                    "company": None,
                    "address1": "1 Main St",
                    "address2": None,
                    "city": "Ottawa",
                    "province": "Ontario",
                    "zip": "K2P 2L8",
                    "countryCodeV2": "CA",
                    "phone": None,
                },
            }
        )
        order_lines.append(
            {
                "id": f"gid://shopify/LineItem/{o}1",
                "title": "Product 1",
                "quantity": 2,
                "sku": "SKU-1-1",
                "vendor": "Acme",
                "originalUnitPriceSet": _money("19.99"),
                "product": {"id": "gid://shopify/Product/1"},
                "variant": {"id": "gid://shopify/ProductVariant/101"},
                "__parentId": gid,
            }
        )
    return {"products": product_lines, "customers": customer_lines, "orders": order_lines}


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_bulk_sync_imports_thousands_of_rows_without_events(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given 3,400 JSONL rows, the install's sync mirrors them all, reports progress, no events."""
    installed(fake, SHOP)
    fake.data = bulk_data(products=300, customers=1500, orders=500)
    run_jobs()
    assert (_count(Product), _count(Variant), _count(Customer), _count(Order)) == (
        300,
        600,
        1500,
        500,
    )
    order = db.session.scalar(select(Order).where(Order.platform_id == "7"))
    assert order.financial_status == "paid" and str(order.total_price) == "39.98"
    assert order.discount_codes == ["WELCOME5"]  # the coupon codes segments look at
    assert (
        order.line_items[0].variant_platform_id == "101"
        and order.customer.email == "ada7@example.com"
    )
    assert db.session.scalar(select(Customer).where(Customer.platform_id == "10")).tags == ["vip"]
    assert _count(Event) == 0
    record = db.session.scalar(select(JobRecord).where(JobRecord.job == SYNC_JOB))
    assert record.status == "succeeded" and record.progress_done == record.progress_total == 3400
    page = client.get("/shopify/panel", headers={"Authorization": f"Bearer {session_token(SHOP)}"})
    assert "3,400 / 3,400" in page.text


def test_cli_sync_shows_progress_and_records_it(runner: FlaskCliRunner, fake: FakeShopify) -> None:
    """Given an installed shop, `flask shopify-sync` imports it and leaves a finished record."""
    installed(fake, SHOP)
    fake.data = bulk_data(products=5, customers=20, orders=10)
    result = runner.invoke(args=["shopify-sync", SHOP])
    assert result.exit_code == 0, result.output
    assert f"{SHOP}: 55 rows imported" in result.output
    record = db.session.scalar(select(JobRecord).where(JobRecord.job == SYNC_JOB))
    assert record.status == "succeeded" and record.progress_done == 55
    assert runner.invoke(args=["shopify-sync", "evil.com"]).exit_code != 0


def test_reconciliation_applies_missed_changes_and_emits_events(
    fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given an order Shopify changed but never delivered, the periodic reconcile mirrors it."""
    installed(fake, SHOP)
    run_jobs()  # setup and an empty initial sync
    lines = bulk_data(products=0, customers=0, orders=1)["orders"]
    node = lines[0] | {"lineItems": {"edges": [{"node": lines[1]}]}}
    fake.changed = {"orders": [node]}
    from ecomapp.platforms.shopify.reconcile import reconcile_all, reconcile_store

    reconcile_all()
    run_jobs()
    order = db.session.scalar(select(Order))
    assert order is not None and order.line_items[0].sku == "SKU-1-1"
    assert db.session.scalar(select(func.count()).where(Event.type == "order.created")) == 1
    queries = [c["variables"]["q"] for c in fake.calls if c.get("op") == "reconcile"]
    assert queries and all(q.startswith("updated_at:>'") for q in queries)
    store = db.session.scalar(select(Store))
    mark = store.settings["shopify_reconciled_at"]
    reconcile_store(store.id)
    assert fake.calls[-1]["variables"]["q"] == f"updated_at:>'{mark}'"


def test_failed_bulk_operation_fails_the_job_with_its_reason(
    client: FlaskClient, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given Shopify ends the bulk operation FAILED, the sync job fails and the panel says why."""
    installed(fake, SHOP)
    fake.bulk_status = "FAILED"
    run_jobs()
    record = db.session.scalar(select(JobRecord).where(JobRecord.job == SYNC_JOB))
    assert record.status == "failed" and "bulk products ended FAILED: ACCESS_DENIED" in record.error
    page = client.get("/shopify/panel", headers={"Authorization": f"Bearer {session_token(SHOP)}"})
    assert "ACCESS_DENIED" in page.text


def _transaction(status: str, card: str | None, kind: str = "SALE") -> dict[str, Any]:
    """Return an OrderTransaction as a bulk line carries it inline (a list, not a connection)."""
    details = {"bin": "424242", "number": card, "company": "Visa"} if card else None
    return {
        "kind": kind,
        "status": status,
        "gateway": "shopify_payments",
        "paymentDetails": details,
    }


def test_bulk_sync_reads_cancel_reason_transactions_and_card_for_fraud_history(
    runner: FlaskCliRunner, fake: FakeShopify, run_jobs: Callable[[], None]
) -> None:
    """Given imported orders cancelled as fraud, with failed attempts on one card, the mirror
    keeps reason, failures and card, the backtest counts the fraud and the scorer names them."""
    installed(fake, SHOP)
    data = bulk_data(products=1, customers=0, orders=3)
    orders = [line for line in data["orders"] if "__parentId" not in line]
    card = "•••• •••• •••• 4242"
    failed = [_transaction("FAILURE", card), _transaction("ERROR", card)]
    orders[0] |= {"cancelledAt": "2025-04-01T11:00:00Z", "cancelReason": "FRAUD"}
    orders[0] |= {"transactions": [*failed, _transaction("SUCCESS", card)]}
    orders[1] |= {"transactions": [_transaction("SUCCESS", card, "AUTHORIZATION")]}
    orders[1] |= {"clientIp": "198.51.100.7", "processedAt": "2025-04-01T10:20:00Z"}
    fake.data = data
    run_jobs()
    rows = {o.platform_id: o for o in db.session.scalars(select(Order))}
    assert (rows["1"].cancel_reason, rows["1"].payment_failures) == ("fraud", 2)
    assert rows["1"].payment_card == rows["2"].payment_card == "424242-4242"
    assert (rows["2"].payment_failures, rows["2"].cancel_reason) == (0, None)
    assert rows["3"].payment_failures is None and rows["3"].payment_card is None

    store = db.session.scalar(select(Store))
    with time_machine.travel("2025-04-02T00:00:00Z", tick=False):
        result = runner.invoke(args=["fraud-backtest", str(store.id), "--days", "7"])
    assert "3 orders in 7 days, 1 known fraud" in result.output, result.output
    facts = load_order_facts(store.id, [rows["1"].id, rows["2"].id])
    reasons = [*score_order(facts[rows["1"].id]).reasons, *score_order(facts[rows["2"].id]).reasons]
    assert "2 failed payment attempts before this order" in reasons
    assert "2 orders from card 424242-4242 within an hour" in reasons
