"""Benchmark: WooCommerce order webhooks door → mirror, against demo deliveries in the same run.

Run: python -m bench.woocommerce_ingest [N]
Prints deliveries per second for both paths and their ratio (no thresholds: speed is measured).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from ecomapp import create_app
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from ecomapp.models import Store, WooSite
from ecomapp.platforms.demo_payloads import to_payload
from ecomapp.platforms.woocommerce.webhooks import signature
from ecomapp.webhooks.inbox import record_delivery
from tests.conftest import make_settings
from tests.factories import order_record
from tests.fakes.woocommerce import payloads as wc


def _woo_store() -> tuple[Store, WooSite]:
    store = Store(platform="woocommerce", domain="bench.example.com", name="bench")
    db.session.add(store)
    db.session.flush()
    site = WooSite(store_id=store.id, url="https://bench.example.com", hook_token="bench")
    site.webhook_secret, site.webhook_ids, site.sync_state = "s3cret", {}, {}
    db.session.add(site)
    db.session.commit()
    return store, site


def bench_woo(app, n: int) -> float:  # type: ignore[no-untyped-def]
    """Return WooCommerce order deliveries per second (door, inbox, job, mirror)."""
    client = app.test_client()
    started = time.perf_counter()
    for i in range(n):
        body = wc.wire(wc.order(10_000 + i, customer_id=i % 50 + 1))
        headers = {
            "X-WC-Webhook-Signature": signature("s3cret", body),
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Delivery-ID": str(i),
        }
        assert (
            client.post("/webhooks/woocommerce/bench", data=body, headers=headers).status_code
            == 200
        )
    drain(app)
    return n / (time.perf_counter() - started)


def bench_demo(app, store_id: int, n: int) -> float:  # type: ignore[no-untyped-def]
    """Return demo order deliveries per second (inbox, job, mirror): the baseline."""
    started = time.perf_counter()
    for i in range(n):
        body = json.dumps(to_payload(order_record(platform_id=str(50_000 + i)))).encode()
        record_delivery("demo", f"bench-{i}", "order", body, store_id=store_id)
    drain(app)
    return n / (time.perf_counter() - started)


def main(n: int) -> None:
    """Run both paths on a fresh SQLite database and print the ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app(make_settings(database_url=url), SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            _woo_store()
            demo = Store(platform="demo", domain="demo.bench", name="demo")
            db.session.add(demo)
            db.session.commit()
            baseline = bench_demo(app, demo.id, n)
            woo = bench_woo(app, n)
    print(f"demo deliveries/s (baseline): {baseline:8.1f}")
    print(f"woocommerce webhooks/s:       {woo:8.1f}")
    print(f"ratio woocommerce/baseline:   {woo / baseline:8.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
